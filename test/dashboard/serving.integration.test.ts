import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DIST } from "../../apps/dashboard/scripts/ensureBuilt.mjs"
import { createTestDatabase } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"

/** The built dashboard served by the API server, ahead of the contract's JSON 404. */
describe("the dashboard's files at /", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let key: string

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startTestServer({ databaseUrl: db.url, dashboardDir: DIST })
    key = (await server.bootstrap()) ?? ""
  })
  afterAll(async () => {
    await server?.close()
    await db?.drop()
  })

  const get = (path: string, init: RequestInit = {}) => fetch(`${server.baseUrl}${path}`, init)

  it("serves index.html at / and at every dashboard page, never cached, under a strict policy", async () => {
    for (const path of [
      "/",
      "/sign-in",
      "/verify-email",
      "/accept-invitation",
      "/app/api-keys",
      "/app/nowhere/deep"
    ]) {
      const res = await get(path)
      expect(res.status, path).toBe(200)
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8")
      expect(res.headers.get("cache-control")).toBe("no-cache")
      const csp = res.headers.get("content-security-policy") ?? ""
      expect(csp).toContain("default-src 'none'")
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      // Scripts only from our own files; inline styles are allowed for the sandboxed previews of
      // email HTML (templates), which inherit the page's policy.
      expect(csp).toMatch(/script-src 'self';/)
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/)
      expect(res.headers.get("x-content-type-options")).toBe("nosniff")
      const html = await res.text()
      expect(html).toContain('<div id="root"></div>')
      // No inline script: everything the page runs is a file from this origin.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    }
  })

  it("serves hashed assets with their content type and a year-long immutable cache", async () => {
    const html = await (await get("/")).text()
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1]
    const style = /href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1]
    expect(script).toBeDefined()
    expect(style).toBeDefined()
    const js = await get(script ?? "")
    expect(js.status).toBe(200)
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8")
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
    expect((await js.text()).length).toBeGreaterThan(1000)
    const css = await get(style ?? "")
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8")
    const head = await get(script ?? "", { method: "HEAD" })
    expect(head.status).toBe(200)
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(1000)
    expect(await head.text()).toBe("")
  })

  it("leaves the API as it was: unknown paths are the contract's JSON 404, routes answer as before", async () => {
    for (const path of ["/nope", "/assets/missing.js", "/emails/unknown/thing", "/index.html"]) {
      const res = await get(path)
      expect(res.status, path).toBe(404)
      expect(await res.json()).toEqual({ error: "Not found", code: "not_found" })
    }
    // A page path with another method is not the dashboard's.
    const posted = await get("/sign-in", { method: "POST" })
    expect(posted.status).toBe(404)
    expect(((await posted.json()) as { code: string }).code).toBe("not_found")
    // Same-named API routes still answer JSON, with or without a browser's Accept header.
    const noKey = await get("/api-keys", { headers: { accept: "text/html" } })
    expect(noKey.status).toBe(401)
    expect(((await noKey.json()) as { code: string }).code).toBe("unauthorized")
    const keys = await get("/api-keys", { headers: { authorization: `Bearer ${key}` } })
    expect(keys.status).toBe(200)
    expect(keys.headers.get("content-type")).toContain("application/json")
    const health = await get("/healthz")
    expect(health.status).toBe(200)
    expect(health.headers.get("content-type")).toContain("application/json")
  })
})
