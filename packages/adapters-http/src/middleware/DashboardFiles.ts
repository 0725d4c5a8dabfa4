import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import * as path from "node:path"
import { type HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"

/**
 * Pages the dashboard owns. The mail links land on the first ones (`/verify-email#token=…`); the
 * signed-in pages live under `/app/`, so no dashboard page shares a path with an API route and an
 * unknown path elsewhere keeps the contract's JSON 404.
 */
const PAGES = new Set([
  "/",
  "/sign-in",
  "/sign-in/two-factor",
  "/sign-in/github-refused",
  "/sign-up",
  "/verify-email",
  "/reset-password",
  "/confirm-email",
  "/accept-invitation"
])
const isPage = (pathname: string) =>
  PAGES.has(pathname) || pathname === "/app" || pathname.startsWith("/app/")

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8"
}

/**
 * Scripts only from this origin, no inline code, no frames, no form posts elsewhere: an injected
 * script could not run. Inline styles are allowed for one reason: the template preview is a
 * sandboxed `srcdoc` frame, which inherits this policy, and an email's styles are inline.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join("; ")

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY"
}

interface File {
  readonly body: Uint8Array
  readonly type: string
  readonly cacheControl: string
}

/** Every file of the build, read once: the dashboard is a few hundred kilobytes. */
const readBuild = (dir: string): Map<string, File> => {
  const files = new Map<string, File>()
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const full = path.join(folder, name)
      if (statSync(full).isDirectory()) {
        walk(full)
        continue
      }
      const url = `/${path.relative(dir, full).split(path.sep).join("/")}`
      // Vite puts a content hash in every name under assets/: such a file never changes.
      const hashed = url.startsWith("/assets/")
      files.set(url, {
        body: readFileSync(full),
        type: TYPES[path.extname(name)] ?? "application/octet-stream",
        cacheControl: hashed ? "public, max-age=31536000, immutable" : "no-cache"
      })
    }
  }
  walk(dir)
  return files
}

const respond = (file: File, head: boolean) =>
  HttpServerResponse.uint8Array(head ? new Uint8Array(0) : file.body, {
    contentType: file.type,
    headers: {
      ...SECURITY_HEADERS,
      "cache-control": file.cacheControl,
      ...(head ? { "content-length": String(file.body.length) } : {})
    }
  })

/**
 * Serves the built dashboard ahead of the API: its files by path, and its `index.html` for its
 * pages (the browser routes them). Everything else, and anything but GET and HEAD, goes to the
 * API unchanged. A missing build (`dir` without `index.html`) serves nothing and says so once.
 */
export const serveDashboard = (dir: string | undefined) => {
  const files =
    dir !== undefined && existsSync(path.join(dir, "index.html")) ? readBuild(dir) : new Map<string, File>()
  const index = files.get("/index.html")
  return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R | HttpServerRequest.HttpServerRequest> =>
    index === undefined
      ? app
      : Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          if (request.method !== "GET" && request.method !== "HEAD") return app
          const pathname = (request.url.split("?")[0] ?? "").split("#")[0] ?? ""
          const head = request.method === "HEAD"
          if (pathname !== "/index.html") {
            const file = files.get(pathname)
            if (file !== undefined) return Effect.succeed(respond(file, head))
          }
          return isPage(pathname) ? Effect.succeed(respond(index, head)) : app
        })
}

/** Whether a build was found, for the start-up log. */
export const hasBuild = (dir: string | undefined) =>
  dir !== undefined && existsSync(path.join(dir, "index.html"))
