import { SqlClient } from "@effect/sql"
import { EngagementLog } from "@poststack/application"
import type { EngagementEvent, SuppressionReason, TeamId } from "@poststack/domain"
import { Array as Arr, Chunk, type Duration, Effect, Layer, Option, Queue, Schedule } from "effect"
import { EVENT_EMAIL_COLUMNS, type EventEmailRow, eventEmail, insertEmailEvents } from "./EmailEvents.js"
import { unavailable } from "./SqlErrors.js"

export interface BufferOptions {
  /** Events held while the database is unreachable; past it, new events are dropped (and logged). */
  readonly capacity: number
  /** Events written per statement. */
  readonly batch: number
  /** The longest pause between two write attempts while the database is down. */
  readonly maxBackoff: Duration.DurationInput
  /** How long one batch is retried before it is given up (and logged). */
  readonly giveUpAfter: Duration.DurationInput
}

export const DEFAULT_BUFFER: BufferOptions = {
  capacity: 10_000,
  batch: 200,
  maxBackoff: "2 seconds",
  giveUpAfter: "24 hours"
}

/**
 * Opens and clicks go through an in-process buffer drained by one background fiber, so a click
 * redirects at once even while PostgreSQL is down; the fiber retries until the database is back.
 * Events still buffered when the process dies are lost (a best-effort flush runs on shutdown).
 */
export const make = (options: BufferOptions) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const queue = yield* Queue.dropping<EngagementEvent>(options.capacity)
    let inFlight: ReadonlyArray<EngagementEvent> = []

    const write = (events: ReadonlyArray<EngagementEvent>) =>
      Effect.gen(function* () {
        const rows = yield* sql<EventEmailRow & { id: string; recipient: string }>`
          SELECT d.id, d.recipient, ${sql.literal(EVENT_EMAIL_COLUMNS)}
          FROM deliveries d JOIN emails e ON e.id = d.email_id
          WHERE d.id = ANY (${[...new Set(events.map((e) => String(e.ref.deliveryId)))]})`
        const byDelivery = new Map(rows.map((r) => [`${r.id}:${r.event_public_id}`, r]))
        const stored = events.flatMap((event) => {
          // A signed link whose email has since been deleted records nothing.
          const row = byDelivery.get(`${event.ref.deliveryId}:${event.ref.emailId}`)
          if (row === undefined) return []
          const reader = {
            recipient: row.recipient,
            user_agent: event.userAgent,
            ip: event.network ?? null,
            client: { name: event.client.clientName, type: event.client.clientType, os: event.client.os },
            device: event.client.deviceType,
            is_prefetch: event.isPrefetch,
            // Read back as the event's geo fields, and carried to webhooks as it is.
            location: event.location
          }
          return [
            {
              email: eventEmail(row),
              deliveryId: row.id,
              detail:
                event.url === undefined
                  ? { type: "opened" as const, metadata: reader }
                  : { type: "clicked" as const, metadata: { ...reader, url: event.url } },
              reader: { ...event.client, network: event.network ?? null, isPrefetch: event.isPrefetch },
              at: event.at
            }
          ]
        })
        if (stored.length > 0) yield* insertEmailEvents(sql, stored)
      })

    const retry = Schedule.union(Schedule.exponential("50 millis"), Schedule.spaced(options.maxBackoff)).pipe(
      Schedule.upTo(options.giveUpAfter)
    )
    const drainOnce = Effect.gen(function* () {
      inFlight = Chunk.toReadonlyArray(yield* Queue.takeBetween(queue, 1, options.batch))
      const batch = inFlight
      yield* write(batch).pipe(
        Effect.catchAll(() =>
          Effect.logWarning("tracking events waiting for the database").pipe(
            Effect.annotateLogs("count", batch.length),
            Effect.zipRight(write(batch).pipe(Effect.retry(retry)))
          )
        ),
        Effect.catchAllCause((cause) =>
          Effect.logError("tracking events dropped", cause).pipe(Effect.annotateLogs("count", batch.length))
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

    return EngagementLog.of({
      record: (event) =>
        Queue.offer(queue, event).pipe(
          Effect.flatMap((accepted) =>
            accepted ? Effect.void : Effect.logWarning("tracking buffer full: event dropped")
          )
        ),
      unsubscribe: (ref, via, at) =>
        sql
          .withTransaction(
            Effect.gen(function* () {
              const rows = yield* sql<
                EventEmailRow & { id: string; email_id: string; team_id: number; recipient: string }
              >`
                SELECT d.id, d.email_id, d.team_id, d.recipient, ${sql.literal(EVENT_EMAIL_COLUMNS)}
                FROM deliveries d JOIN emails e ON e.id = d.email_id
                WHERE d.id = ${ref.deliveryId} AND e.public_id = ${ref.emailId}
                FOR UPDATE OF d`
              const row = rows[0]
              if (row === undefined) return { _tag: "Unknown" as const }
              const entry = yield* sql<{ id: number; reason: SuppressionReason }>`
                INSERT INTO suppressions (team_id, email, reason, source_email_id)
                VALUES (${row.team_id}, ${row.recipient}, 'unsubscribe', ${row.email_id})
                ON CONFLICT (team_id, lower(email)) DO UPDATE SET team_id = EXCLUDED.team_id
                RETURNING id, reason`
              const suppression = entry[0]
              if (suppression === undefined)
                return yield* Effect.dieMessage("suppression upsert returned no row")
              const already = yield* sql`
                SELECT 1 FROM email_events WHERE delivery_id = ${row.id} AND event_type = 'unsubscribed'`
              if (already.length === 0) {
                yield* insertEmailEvents(sql, [
                  {
                    email: eventEmail(row),
                    deliveryId: row.id,
                    detail: {
                      type: "unsubscribed",
                      metadata: {
                        recipient: row.recipient,
                        via,
                        suppression_id: suppression.id,
                        occurred_at: at.toISOString()
                      }
                    },
                    at
                  }
                ])
              }
              return {
                _tag: "Unsubscribed" as const,
                recipient: row.recipient,
                suppression: { id: suppression.id, reason: suppression.reason }
              }
            })
          )
          .pipe(unavailable),
      reader: (ref) =>
        sql<{ team_id: number; recipient: string }>`
          SELECT d.team_id, d.recipient FROM deliveries d JOIN emails e ON e.id = d.email_id
          WHERE d.id = ${ref.deliveryId} AND e.public_id = ${ref.emailId} AND NOT e.system`.pipe(
          Effect.map((rows) =>
            Option.map(Arr.head(rows), (r) => ({ teamId: r.team_id as TeamId, recipient: r.recipient }))
          ),
          unavailable
        )
    })
  })

export const layer = (options: BufferOptions = DEFAULT_BUFFER) => Layer.scoped(EngagementLog, make(options))
