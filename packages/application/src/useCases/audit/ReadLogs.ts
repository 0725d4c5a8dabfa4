import { Clock, Duration, Effect } from "effect"
import { type AuditFilter, AuditLog } from "../../ports/AuditLog.js"
import { RequestLog, type RequestLogFilter } from "../../ports/RequestLog.js"
import { authorize, type Principal } from "../Principal.js"

/** The team's audit log, newest first: full-access keys and the team's admins only (P16). */
export const ListAuditLog = Effect.fn("ListAuditLog")(function* (
  principal: Principal,
  filter: AuditFilter,
  page: number,
  perPage: number
) {
  const { teamId } = yield* authorize(principal, "auditLog")
  return yield* Effect.flatMap(AuditLog, (log) => log.list(teamId, filter, page, perPage))
})

/** The team's API request log, newest first. */
export const ListRequestLog = Effect.fn("ListRequestLog")(function* (
  principal: Principal,
  filter: RequestLogFilter,
  page: number,
  perPage: number
) {
  const { teamId } = yield* authorize(principal, "requestLogs")
  return yield* Effect.flatMap(RequestLog, (log) => log.list(teamId, filter, page, perPage))
})

const PURGE_BATCH = 1_000

const cutoff = (days: number) =>
  Effect.map(Clock.currentTimeMillis, (now) => new Date(now - Duration.toMillis(Duration.days(days))))

/** Deletes audit entries older than `days` (90 by P28), a thousand rows per statement. */
export const PurgeAuditLog = Effect.fn("PurgeAuditLog")(function* (days: number) {
  const removed = yield* Effect.flatMap(AuditLog, (log) =>
    Effect.flatMap(cutoff(days), (before) => log.purgeOlderThan(before, PURGE_BATCH))
  )
  if (removed > 0) yield* Effect.logInfo("audit log purged").pipe(Effect.annotateLogs("removed", removed))
  return removed
})

/** Deletes API requests older than the retention, a thousand rows per statement. */
export const PurgeRequestLog = Effect.fn("PurgeRequestLog")(function* (days: number) {
  const removed = yield* Effect.flatMap(RequestLog, (log) =>
    Effect.flatMap(cutoff(days), (before) => log.purgeOlderThan(before, PURGE_BATCH))
  )
  if (removed > 0) yield* Effect.logInfo("request log purged").pipe(Effect.annotateLogs("removed", removed))
  return removed
})
