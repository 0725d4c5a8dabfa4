import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Schema } from "effect"
import {
  ForbiddenJson,
  RateLimitedJson,
  TeamClosedJson,
  UnauthorizedJson,
  UnavailableJson
} from "../errors.js"
import { CurrentPrincipal } from "./CurrentPrincipal.js"

const failure = Schema.Union(
  UnauthorizedJson,
  ForbiddenJson,
  TeamClosedJson,
  RateLimitedJson,
  UnavailableJson
)

/**
 * A bearer API key, or the dashboard's session cookie (with its CSRF token on state-changing
 * requests). The middleware declares only the bearer scheme, and its one handler reads the cookie
 * itself when no Authorization header came: a second declared scheme would be tried first and fail
 * on every keyed request, building two errors each time. `describeOperations` lists the session
 * scheme beside bearer in the spec.
 */
const security = { bearer: HttpApiSecurity.bearer }

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
