import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Schema } from "effect"
import { ForbiddenJson, RateLimitedJson, UnauthorizedJson, UnavailableJson } from "../errors.js"
import { CurrentApiKey } from "./CurrentApiKey.js"

const failure = Schema.Union(UnauthorizedJson, ForbiddenJson, RateLimitedJson, UnavailableJson)

/** Any valid key (sending or full access); handlers check what the operation needs. */
export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("Authentication", {
  failure,
  provides: CurrentApiKey,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

/** A valid `full_access` key: every management route. */
export class FullAccess extends HttpApiMiddleware.Tag<FullAccess>()("FullAccess", {
  failure,
  provides: CurrentApiKey,
  security: { bearer: HttpApiSecurity.bearer }
}) {}
