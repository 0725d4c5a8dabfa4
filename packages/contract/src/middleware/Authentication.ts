import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Schema } from "effect"
import { ForbiddenJson, RateLimitedJson, UnauthorizedJson, UnavailableJson } from "../errors.js"
import { CurrentPrincipal } from "./CurrentPrincipal.js"
import { SESSION_COOKIE } from "./SessionAuthentication.js"

const failure = Schema.Union(UnauthorizedJson, ForbiddenJson, RateLimitedJson, UnavailableJson)

/**
 * A bearer API key, or the dashboard's session cookie (with its CSRF token on state-changing
 * requests). Listed as two schemes in the spec; one handler (`bearer`'s) decides for both, so a
 * request with a key is answered exactly as before sessions existed.
 */
const security = {
  session: HttpApiSecurity.apiKey({ key: SESSION_COOKIE, in: "cookie" }),
  bearer: HttpApiSecurity.bearer
}

/** Any valid key (sending or full access) or session; handlers check what the operation needs. */
export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("Authentication", {
  failure,
  provides: CurrentPrincipal,
  security
}) {}

/** A valid `full_access` key, or a session (roles are checked by the use cases): every management route. */
export class FullAccess extends HttpApiMiddleware.Tag<FullAccess>()("FullAccess", {
  failure,
  provides: CurrentPrincipal,
  security
}) {}
