import { SqlClient } from "@effect/sql"
import { type DeliveryResult, DeliveryQueue, type StoreUnavailable } from "@poststack/application"
import {
  aggregateStatus,
  type ClaimedDelivery,
  type DeliveryStatus,
  EMAIL_STATUS_PRECEDENCE,
  type SuppressionMatch
} from "@poststack/domain"
import { Chunk, Deferred, Effect, Exit, Layer, Queue } from "effect"
import { unavailable } from "./SqlErrors.js"

interface ClaimRow {
  readonly id: string
  readonly email_id: string
  readonly team_id: number
  readonly domain_id: number
  readonly recipient: string
  readonly attempts: number
  readonly test_mode: boolean
  readonly created_at: Date
  readonly status: DeliveryStatus
  readonly lease_until: Date
  readonly suppression_id: number | null
  readonly suppression_reason: SuppressionMatch["reason"] | null
}

/** The most outcomes written by one call. */
const MAX_RECORD_BATCH = 200

interface PendingRecord {
  readonly claim: Pick<ClaimedDelivery, "id" | "attempts">
  readonly result: DeliveryResult
  readonly done: Deferred.Deferred<void, StoreUnavailable>
}

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const write = (batch: ReadonlyArray<PendingRecord>) =>
    sql`SELECT record_deliveries(${JSON.stringify(
      batch.map(({ claim, result }) => ({
        id: claim.id,
        attempts: claim.attempts,
        status: result.status,
        reply: result.reply,
        mx: result.mx,
        next_attempt_at: result.nextAttemptAt,
        events: result.events,
        suppress_team: result.suppress?.teamId ?? null,
        suppress_address: result.suppress?.address ?? null,
        suppress_reason: result.suppress?.reason ?? null
      }))
    )}::jsonb, ${EMAIL_STATUS_PRECEDENCE}, ${aggregateStatus([])})`.pipe(Effect.asVoid, unavailable)
  const flush = (batch: ReadonlyArray<PendingRecord>): Effect.Effect<void> =>
    Effect.flatMap(Effect.exit(write(batch)), (exit) =>
      Exit.isSuccess(exit) || batch.length === 1
        ? Effect.forEach(batch, (p) => Deferred.done(p.done, exit), { discard: true })
        : // One outcome the database refuses must not hold the others back: each is written alone.
          Effect.forEach(batch, (p) => flush([p]), { discard: true })
    )
  // Group commit: outcomes that arrive while one call is writing go together in the next, one
  // transaction and one round trip for all of them. Nothing waits for a batch to fill.
  const pending = yield* Queue.unbounded<PendingRecord>()
  yield* Queue.takeBetween(pending, 1, MAX_RECORD_BATCH).pipe(
    Effect.flatMap((batch) => Effect.uninterruptible(flush(Chunk.toReadonlyArray(batch)))),
    Effect.forever,
    Effect.forkScoped
  )
  // Closing: whatever is still waiting hears so instead of waiting for ever.
  yield* Effect.addFinalizer(() =>
    Effect.flatMap(Queue.takeAll(pending), (left) =>
      Effect.forEach(left, (p) => Deferred.interrupt(p.done), { discard: true })
    ).pipe(Effect.zipRight(Queue.shutdown(pending)))
  )
  return DeliveryQueue.of({
    claim: ({ now, limit, leaseMs, testMode }) =>
      sql<ClaimRow>`
        WITH due AS (
          SELECT d.id FROM deliveries d JOIN emails e ON e.id = d.email_id
          WHERE e.test_mode = ${testMode}
            AND ((d.status IN ('queued', 'deferred', 'scheduled') AND d.next_attempt_at <= ${now})
                 OR (d.status = 'sending' AND d.lease_until < ${now}))
          ORDER BY d.next_attempt_at
          LIMIT ${limit}
          FOR UPDATE OF d SKIP LOCKED
        )
        UPDATE deliveries d SET status = 'sending', attempts = d.attempts + 1,
          lease_until = ${new Date(now.getTime() + leaseMs)}
        FROM due, emails e, deliveries this
          -- Whether the recipient is suppressed now (an unsubscribe before a scheduled send, a
          -- complaint during retries): asked in the claim, so delivering needs no query of its own.
          LEFT JOIN suppressions s ON s.team_id = this.team_id AND lower(s.email) = lower(this.recipient)
        WHERE d.id = due.id AND e.id = d.email_id AND this.id = d.id
        RETURNING d.id, d.email_id, d.team_id, e.domain_id, d.recipient, d.attempts, e.test_mode, d.created_at, d.status,
          d.lease_until, s.id AS suppression_id, s.reason AS suppression_reason`.pipe(
        Effect.map((rows) =>
          rows.map((r) => ({
            id: Number(r.id),
            emailId: Number(r.email_id),
            teamId: r.team_id,
            domainId: r.domain_id,
            recipient: r.recipient,
            attempts: r.attempts,
            testMode: r.test_mode,
            firstQueuedAt: r.created_at,
            status: r.status,
            leaseUntil: r.lease_until,
            suppressedBy:
              r.suppression_id === null || r.suppression_reason === null
                ? null
                : { id: r.suppression_id, reason: r.suppression_reason }
          }))
        ),
        unavailable
      ),
    extend: ({ claims, now, leaseMs }) =>
      claims.length === 0
        ? Effect.void
        : sql`
            UPDATE deliveries d SET lease_until = ${new Date(now.getTime() + leaseMs)}
            FROM unnest(${claims.map((c) => c.id)}::bigint[], ${claims.map((c) => c.attempts)}::int[])
              AS held(id, attempts)
            WHERE d.id = held.id AND d.attempts = held.attempts AND d.status = 'sending'`.pipe(
            Effect.asVoid,
            unavailable
          ),
    record: (claim, result) =>
      Effect.flatMap(Deferred.make<void, StoreUnavailable>(), (done) =>
        Effect.zipRight(Queue.offer(pending, { claim, result, done }), Deferred.await(done))
      )
  })
})

export const layer = Layer.scoped(DeliveryQueue, make)
