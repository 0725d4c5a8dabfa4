import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Actor, ActorKind, AuditAction, AuditTarget } from "@poststack/domain"
import { ParseResult, Schema } from "effect"
import { ForbiddenJson } from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { Pagination } from "./DomainsApi.js"
import { isInputDate, pageFields } from "./params.js"

/** A moment in a query string: ISO 8601 (or `YYYY-MM-DD`), between 1970 and 9999. */
export const TimeParam = Schema.transformOrFail(Schema.String, Schema.DateFromSelf, {
  strict: true,
  decode: (raw, _, ast) => {
    return isInputDate(raw)
      ? ParseResult.succeed(new Date(Date.parse(raw)))
      : ParseResult.fail(new ParseResult.Type(ast, raw, "must be a date (YYYY-MM-DD or ISO 8601)"))
  },
  encode: (date) => ParseResult.succeed(date.toISOString())
}).annotations({ description: "an ISO 8601 date or time" })

export class AuditEntryView extends Schema.Class<AuditEntryView>("AuditEntry")({
  id: Schema.String,
  action: AuditAction,
  /** `null`: nobody was authenticated (a failed sign-in for an unknown address). */
  actor: Schema.NullOr(Actor),
  target: Schema.NullOr(AuditTarget),
  details: Schema.Record({
    key: Schema.String,
    value: Schema.Union(Schema.String, Schema.Number, Schema.Boolean, Schema.Null)
  }),
  ipAddress: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String),
  createdAt: Schema.Date
}) {}

export const ListAuditLogParams = Schema.Struct({
  ...pageFields,
  action: Schema.optional(AuditAction),
  actorType: Schema.optional(ActorKind).pipe(Schema.fromKey("actor_type")),
  actorId: Schema.optional(Schema.String.pipe(Schema.maxLength(64))).pipe(Schema.fromKey("actor_id")),
  from: Schema.optional(TimeParam),
  to: Schema.optional(TimeParam)
})

/** `/audit-log`: who did what in the team, newest first; full-access keys (and admins) only. */
export class AuditLogApi extends HttpApiGroup.make("auditLog")
  .add(
    HttpApiEndpoint.get("list", "/audit-log")
      .setUrlParams(ListAuditLogParams)
      .addSuccess(Schema.Struct({ data: Schema.Array(AuditEntryView), meta: Pagination }))
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Audit log") {}
