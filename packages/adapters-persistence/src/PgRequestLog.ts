import { SqlClient } from "@effect/sql"
import { RequestLog } from "@poststack/application"
import {
  type ActorKind,
  type NewRequestLogEntry,
  RequestLogEntry,
  statusRange,
  type TeamId
} from "@poststack/domain"
import { Chunk, type Duration, Effect, Layer, Queue, Schedule } from "effect"
import { actorFrom, purgeInBatches } from "./AuditRows.js"
import { type BufferOptions, DEFAULT_BUFFER } from "./PgEngagementLog.js"
import { unavailable } from "./SqlErrors.js"

/** How long the writer waits after a first row for more to batch with it. */
const DEFAULT_LINGER: Duration.DurationInput = "250 millis"

interface Row {
  readonly id: string
  readonly team_id: number
  readonly actor_kind: ActorKind
  readonly actor_id: string | null
  readonly method: string
  readonly endpoint: string
  readonly status: number
  readonly duration_ms: number
  readonly address: string | null
  readonly user_agent: string | null
  readonly requested_at: Date
}

const toEntry = (r: Row) =>
  RequestLogEntry.make(
    {
      id: String(r.id),
      teamId: r.team_id as TeamId,
      actor: actorFrom(r.actor_kind, r.actor_id) ?? { kind: "operator", id: null },
      method: r.method,
      endpoint: r.endpoint,
      status: r.status,
      durationMs: r.duration_ms,
      address: r.address,
      userAgent: r.user_agent,
      at: r.requested_at
    },
    { disableValidation: true }
  )

/**
 * Requests are kept through an in-process buffer drained by one background fiber, many rows per
 * `INSERT`, so an API answer never waits on (or for) this log; while the database is away the
 * buffer holds up to `capacity` rows and the fiber retries. Rows still buffered when the process
 * dies are lost (a best-effort flush runs on shutdown).
 */
export const make = (options: BufferOptions, linger: Duration.DurationInput = DEFAULT_LINGER) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const queue = yield* Queue.dropping<NewRequestLogEntry>(options.capacity)
    let inFlight: ReadonlyArray<NewRequestLogEntry> = []
    let droppedSinceWarning = 0

    // One statement of ten array parameters, whatever the batch size: cheap to send and to plan.
    const write = (entries: ReadonlyArray<NewRequestLogEntry>) =>
      sql`
        INSERT INTO api_request_log
          (team_id, actor_kind, actor_id, method, endpoint, status, duration_ms, address, user_agent, requested_at)
        SELECT * FROM unnest(
          ${entries.map((e) => e.teamId)}::int[], ${entries.map((e) => e.actor.kind)}::text[],
          ${entries.map((e) => e.actor.id)}::text[], ${entries.map((e) => e.method)}::text[],
          ${entries.map((e) => e.endpoint)}::text[], ${entries.map((e) => e.status)}::smallint[],
          ${entries.map((e) => e.durationMs)}::int[], ${entries.map((e) => e.address)}::text[],
          ${entries.map((e) => e.userAgent)}::text[], ${entries.map((e) => e.at.toISOString())}::timestamptz[])`

    const retry = Schedule.union(Schedule.exponential("50 millis"), Schedule.spaced(options.maxBackoff)).pipe(
      Schedule.upTo(options.giveUpAfter)
    )
    const drainOnce = Effect.gen(function* () {
      // Waits for a first row, then lingers so the rows of the next moments share its INSERT:
      // under load one statement carries many requests instead of one round trip each.
      const first = yield* Queue.take(queue)
      yield* Effect.sleep(linger)
      const rest = Chunk.toReadonlyArray(yield* Queue.takeUpTo(queue, options.batch - 1))
      inFlight = [first, ...rest]
      const batch = inFlight
      yield* write(batch).pipe(
        Effect.catchAll(() =>
          Effect.logWarning("API request log waiting for the database").pipe(
            Effect.annotateLogs("count", batch.length),
            Effect.zipRight(write(batch).pipe(Effect.retry(retry)))
          )
        ),
        Effect.catchAllCause((cause) =>
          Effect.logError("API request log entries dropped", cause).pipe(
            Effect.annotateLogs("count", batch.length)
          )
        )
      )
      inFlight = []
    })
    yield* Effect.forkScoped(Effect.forever(drainOnce))
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        const rest = [...inFlight, ...(yield* Queue.takeAll(queue))]
        if (rest.length > 0) yield* write(rest)
      }).pipe(Effect.timeout("2 seconds"), Effect.ignore)
    )

    return RequestLog.of({
      record: (entry) =>
        Effect.flatMap(Queue.offer(queue, entry), (accepted) => {
          if (accepted) return Effect.void
          // One warning per thousand drops: a full buffer under load must not flood the log too.
          droppedSinceWarning++
          if (droppedSinceWarning % 1000 !== 1) return Effect.void
          return Effect.logWarning("API request log buffer full: entries dropped")
        }),
      list: (teamId, filter, page, perPage) =>
        Effect.gen(function* () {
          const where = [sql`team_id = ${teamId}`]
          if (filter.statusClass !== undefined) {
            const [low, high] = statusRange(filter.statusClass)
            where.push(sql`status BETWEEN ${low} AND ${high}`)
          }
          if (filter.method !== undefined) where.push(sql`method = ${filter.method}`)
          if (filter.endpoint !== undefined) where.push(sql`endpoint = ${filter.endpoint}`)
          if (filter.apiKeyId !== undefined)
            where.push(sql`actor_kind = 'api_key' AND actor_id = ${filter.apiKeyId}`)
          if (filter.from !== undefined) where.push(sql`requested_at >= ${filter.from}`)
          if (filter.to !== undefined) where.push(sql`requested_at < ${filter.to}`)
          const condition = sql.and(where)
          const rows = yield* sql<Row>`
            SELECT id::text AS id, team_id, actor_kind, actor_id, method, endpoint, status, duration_ms, address,
              user_agent, requested_at
            FROM api_request_log WHERE ${condition}
            ORDER BY requested_at DESC, id DESC LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`
          const counted = yield* sql<{ n: number }>`
            SELECT count(*)::int AS n FROM api_request_log WHERE ${condition}`
          return { entries: rows.map(toEntry), total: counted[0]?.n ?? 0 }
        }).pipe(unavailable),
      purgeOlderThan: (cutoff, batch) =>
        purgeInBatches(
          sql`
            DELETE FROM api_request_log WHERE id IN (
              SELECT id FROM api_request_log WHERE requested_at < ${cutoff} ORDER BY requested_at LIMIT ${batch})
            RETURNING id`,
          batch
        ).pipe(unavailable)
    })
  })

export const layer = (
  options: BufferOptions = DEFAULT_BUFFER,
  linger: Duration.DurationInput = DEFAULT_LINGER
) => Layer.scoped(RequestLog, make(options, linger))
