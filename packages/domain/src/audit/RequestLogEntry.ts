import { Schema } from "effect"
import { TeamId } from "../Team.js"
import { Actor } from "./Actor.js"

/** The first digit of a status: what the request log filters on (`4xx`). */
export const StatusClass = Schema.Literal("2xx", "3xx", "4xx", "5xx")
export type StatusClass = typeof StatusClass.Type

export const statusRange = (cls: StatusClass): readonly [number, number] => {
  const base = Number(cls[0]) * 100
  return [base, base + 99]
}

/**
 * One authenticated API request (P14): the route template (`/emails/:id`, never the path a
 * client sent, so no id, address or query string), method, status, who made it, from where and
 * how long it took. Never a header, a body or a key.
 */
export const NewRequestLogEntry = Schema.Struct({
  teamId: TeamId,
  actor: Actor,
  method: Schema.String,
  endpoint: Schema.String,
  status: Schema.Int,
  durationMs: Schema.Int,
  address: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String),
  at: Schema.DateFromSelf
})
export type NewRequestLogEntry = typeof NewRequestLogEntry.Type

export class RequestLogEntry extends Schema.Class<RequestLogEntry>("RequestLogEntry")({
  id: Schema.String,
  ...NewRequestLogEntry.fields
}) {}

/** How long requests are kept unless configured otherwise (`POSTSTACK_REQUEST_LOG_RETENTION_DAYS`). */
export const REQUEST_LOG_RETENTION_DAYS = 30
