import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Schema } from "effect"
import { ForbiddenJson, RateLimitedJson, UnauthorizedJson, UnavailableJson } from "../errors.js"
import { CurrentSession } from "./CurrentSession.js"

/**
 * The session cookie. `__Host-` makes browsers insist on `Secure`, `Path=/` and no `Domain`, so
 * no subdomain can plant or read it (on plain-http localhost the server names it without the
 * prefix: see adapters-http's `SessionCookie`).
 */
export const SESSION_COOKIE = "__Host-poststack_session"

/**
 * The account and team routes: a signed-in person only (API keys are refused with 403, see
 * docs/key-scopes.md), with the session's CSRF token on every state-changing request.
 */
export class SessionAuthentication extends HttpApiMiddleware.Tag<SessionAuthentication>()(
  "SessionAuthentication",
  {
    failure: Schema.Union(UnauthorizedJson, ForbiddenJson, RateLimitedJson, UnavailableJson),
    provides: CurrentSession,
    security: { session: HttpApiSecurity.apiKey({ key: SESSION_COOKIE, in: "cookie" }) }
  }
) {}
