import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Actor, StatusClass } from "@poststack/domain"
import { Schema } from "effect"
import { ForbiddenJson } from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { TimeParam } from "./AuditLogApi.js"
import { Pagination } from "./DomainsApi.js"
import { IdParam, pageFields } from "./params.js"

export class RequestLogView extends Schema.Class<RequestLogView>("RequestLog")({
  id: Schema.String,
  method: Schema.String,
  /** The route template (`/emails/:id`), never the path or query string sent. */
  endpoint: Schema.String,
  status: Schema.Int,
  durationMs: Schema.Int,
  /** The key that made the request; `null` for a person signed in to the dashboard. */
  apiKeyId: Schema.NullOr(Schema.Int),
  actor: Actor,
  ipAddress: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String),
  createdAt: Schema.Date
}) {}

export const ListRequestLogsParams = Schema.Struct({
  ...pageFields,
  status: Schema.optional(StatusClass),
  method: Schema.optional(Schema.Literal("GET", "POST", "PUT", "PATCH", "DELETE")),
  endpoint: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  apiKeyId: Schema.optional(IdParam("an API key")).pipe(Schema.fromKey("api_key_id")),
  from: Schema.optional(TimeParam),
  to: Schema.optional(TimeParam)
})

/** `/logs`: the team's authenticated API requests, newest first; full-access keys only. */
export class RequestLogsApi extends HttpApiGroup.make("requestLogs")
  .add(
    HttpApiEndpoint.get("list", "/logs")
      .setUrlParams(ListRequestLogsParams)
      .addSuccess(Schema.Struct({ data: Schema.Array(RequestLogView), meta: Pagination }))
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "API request logs") {}
