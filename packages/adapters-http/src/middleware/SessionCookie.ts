import { timingSafeEqual } from "node:crypto"
import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { SESSION_LIFETIME_MS } from "@poststack/domain"
import { Effect, Redacted } from "effect"
import { SESSION_COOKIE } from "@poststack/contract"

/**
 * On plain-http localhost (a laptop, the README's first run) browsers refuse `Secure` and with it
 * the `__Host-` prefix, so there the cookie is `poststack_session` without either; every other
 * request gets the prefixed, secure `SESSION_COOKIE`.
 */
export const LOCAL_SESSION_COOKIE = "poststack_session"

/** The header a state-changing request made with the cookie must carry (P34). */
export const CSRF_HEADER = "x-csrf-token"

const LOCAL_HOSTS = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i

/** A request to this server over plain http on the loopback host name, not through a TLS proxy. */
export const isLocalPlainHttp = (request: HttpServerRequest.HttpServerRequest): boolean =>
  LOCAL_HOSTS.test(request.headers.host ?? "") &&
  (request.headers["x-forwarded-proto"] ?? "http").toLowerCase() !== "https"

/** The session secret the request presents, if any. */
export const sessionTokenOf = (request: HttpServerRequest.HttpServerRequest): string | undefined => {
  const value = request.cookies[SESSION_COOKIE] ?? request.cookies[LOCAL_SESSION_COOKIE]
  return value === undefined || value === "" ? undefined : value
}

const cookieFor = (request: HttpServerRequest.HttpServerRequest) =>
  isLocalPlainHttp(request)
    ? { name: LOCAL_SESSION_COOKIE, secure: false }
    : { name: SESSION_COOKIE, secure: true }

/** Sets the session cookie on the response: `HttpOnly`, `SameSite=Lax`, `Path=/`, 24 hours. */
export const setSessionCookie = (token: Redacted.Redacted<string>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const { name, secure } = cookieFor(request)
    return HttpApp.appendPreResponseHandler((_request, response) =>
      Effect.succeed(
        HttpServerResponse.unsafeSetCookie(response, name, Redacted.value(token), {
          httpOnly: true,
          secure,
          sameSite: "lax",
          path: "/",
          maxAge: `${SESSION_LIFETIME_MS / 1000} seconds`
        })
      )
    )
  })

/** Tells the browser to forget the session cookie (sign-out). */
export const clearSessionCookie = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
  const { name, secure } = cookieFor(request)
  return HttpApp.appendPreResponseHandler((_request, response) =>
    Effect.succeed(
      HttpServerResponse.unsafeSetCookie(response, name, "", {
        httpOnly: true,
        secure,
        sameSite: "lax",
        path: "/",
        maxAge: "0 seconds"
      })
    )
  )
})

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"])

/** Whether a request made with the cookie passes the CSRF check: safe methods, or the right token. */
export const csrfPasses = (request: HttpServerRequest.HttpServerRequest, expected: string): boolean => {
  if (SAFE_METHODS.has(request.method)) return true
  const presented = request.headers[CSRF_HEADER]
  if (presented === undefined) return false
  const a = Buffer.from(presented)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

export const CSRF_REFUSAL =
  "Missing or wrong CSRF token: send the X-CSRF-Token header given at sign-in (GET /auth/session shows it)"
