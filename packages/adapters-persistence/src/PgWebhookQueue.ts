import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { type ClaimedWebhookDelivery, WebhookQueue } from "@poststack/application"
import {
  attemptSucceeded,
  type ChannelType,
  disableReason,
  encodeWebhookEvent,
  endpointDisabled,
  RESPONSE_SNIPPET_CHARS,
  type WebhookAttemptOutcome,
  type WebhookDeliveryState
} from "@poststack/domain"
import { Effect, Layer, Ref, Schedule, Stream } from "effect"
import { groupCommit } from "./GroupCommit.js"
import { type ClaimRow, toClaimed } from "./PgWebhookRows.js"
import { unavailable } from "./SqlErrors.js"

interface Attempt {
  readonly delivery: ClaimedWebhookDelivery
  readonly startedAt: Date
  readonly outcome: WebhookAttemptOutcome
  readonly state: WebhookDeliveryState
  readonly disableAfter: number
}

/** The channel a fan-out that queued deliveries notifies, for idle dispatchers in every worker. */
const QUEUED_CHANNEL = "poststack_webhook_deliveries"

/** The most attempts written by one call. */
const MAX_RECORD_BATCH = 200

/**
 * Where the next claim starts: after the endpoint the last one ended with (the highest id it
 * served on its way round the table, which wrapped when any id is at or below the start).
 */
const nextCursor = (after: number, served: ReadonlyArray<number>): number => {
  if (served.length === 0) return after
  const wrapped = served.filter((id) => id <= after)
  return Math.max(...(wrapped.length > 0 ? wrapped : served))
}

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const pg = yield* PgClient.PgClient
  const cursor = yield* Ref.make(0)

  /**
   * Attempts recorded at the same moment are written together (see GroupCommit and
   * `record_webhook_attempts`), in the order they were recorded, so an endpoint's failure count
   * runs through them as it would one by one; `disableReason` then decides on each count. A batch
   * with a failure runs in a transaction, so a disable lands with the count that caused it; a
   * batch of successes, which cannot disable anything, is one statement.
   */
  const writeAttempts = (batch: ReadonlyArray<Attempt>) => {
    const input = JSON.stringify(
      batch.map(({ delivery, startedAt, outcome, state }) => ({
        id: delivery.id,
        attempts: delivery.attempts,
        webhook_id: delivery.webhookId,
        ok: attemptSucceeded(outcome),
        status: state.status,
        next_attempt_at: state.status === "pending" ? state.nextAttemptAt : null,
        started_at: startedAt,
        duration_ms: Math.round(outcome.durationMs),
        status_code: outcome._tag === "Responded" ? outcome.status : null,
        snippet: (outcome._tag === "Responded" ? outcome.body : outcome.reason).slice(
          0,
          RESPONSE_SNIPPET_CHARS
        ),
        failed: outcome._tag === "Failed"
      }))
    )
    const write = sql<{
      recorded_id: string
      recorded_attempt: number
      failures_after: number
      still_active: boolean
    }>`SELECT * FROM record_webhook_attempts(${input}::jsonb)`
    const disable = Effect.gen(function* () {
      const counted = new Map((yield* write).map((r) => [`${r.recorded_id}:${r.recorded_attempt}`, r]))
      const disabled = new Map<number, string>()
      for (const { delivery, outcome, disableAfter } of batch) {
        const after = counted.get(`${delivery.id}:${delivery.attempts}`)
        if (after === undefined || !after.still_active || disabled.has(delivery.webhookId)) continue
        const reason = disableReason(outcome, after.failures_after, disableAfter)
        if (reason !== undefined) disabled.set(delivery.webhookId, reason)
      }
      if (disabled.size === 0) return
      const rows = yield* sql<{
        id: number
        team_id: number
        url: string
        disabled_at: Date
        disabled_reason: string
        kind: "webhook" | ChannelType
        public_id: string | null
        name: string | null
      }>`
        UPDATE webhooks w SET active = false, disabled_at = now(), disabled_reason = v.reason
        FROM unnest(${[...disabled.keys()]}::int[], ${[...disabled.values()]}::text[]) AS v(id, reason)
        WHERE w.id = v.id AND w.active
        RETURNING w.id, w.team_id, w.url, w.disabled_at, w.disabled_reason, w.kind, w.public_id, w.name`
      if (rows.length === 0) return
      const events = [...rows]
        .sort((a, b) => a.id - b.id)
        .map((r) => ({
          team_id: r.team_id,
          ...encodeWebhookEvent(
            endpointDisabled({
              kind: r.kind,
              id: r.id,
              url: r.url,
              publicId: r.public_id,
              name: r.name,
              reason: r.disabled_reason,
              disabledAt: r.disabled_at
            })
          )
        }))
      yield* sql`
        INSERT INTO events (team_id, type, payload)
        SELECT (v.value->>'team_id')::integer, v.value->>'type', v.value->'data'
        FROM jsonb_array_elements(${JSON.stringify(events)}::jsonb) WITH ORDINALITY AS v(value, k) ORDER BY v.k`
    })
    const allSucceeded = batch.every((a) => attemptSucceeded(a.outcome))
    return (allSucceeded ? Effect.asVoid(write) : sql.withTransaction(disable)).pipe(
      Effect.as(batch.map(() => undefined)),
      unavailable
    )
  }

  const record = yield* groupCommit(writeAttempts, MAX_RECORD_BATCH)

  return WebhookQueue.of({
    // The subscription rule (`*` or the exact type) is `subscribes` in the domain, here as SQL so
    // one statement claims, fans out and marks. Endpoints see events from their creation on.
    fanOut: ({ limit }) =>
      sql<{ events: number; deliveries: number }>`
        WITH batch AS (
          SELECT id, team_id, type, payload, created_at, public_id FROM events
          WHERE fanned_out_at IS NULL ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED
        ), marked AS (
          UPDATE events e SET fanned_out_at = now() WHERE e.id = ANY (ARRAY(SELECT id FROM batch)) RETURNING e.id
        ), inserted AS (
          INSERT INTO webhook_deliveries (webhook_id, team_id, event_id, event_public_id, event_type, data,
            event_created_at, status, next_attempt_at)
          SELECT w.id, b.team_id, b.id, b.public_id, b.type, b.payload, b.created_at, 'pending', now()
          FROM batch b JOIN webhooks w ON w.team_id = b.team_id AND w.active AND w.created_at <= b.created_at
            AND ('*' = ANY (w.events) OR b.type = ANY (w.events))
            AND (w.domain_id IS NULL OR event_concerns_domain(b.type, b.payload, w.domain_id, w.domain_name))
          ON CONFLICT (webhook_id, event_id) DO NOTHING
          RETURNING id
        )
        SELECT (SELECT count(*)::int FROM marked) AS events, (SELECT count(*)::int FROM inserted) AS deliveries,
          -- Sent when the transaction commits, so a dispatcher woken by it finds the rows. Not an
          -- empty payload: PgClient.listen drops those.
          (SELECT pg_notify(${QUEUED_CHANNEL}, 'queued') WHERE EXISTS (SELECT 1 FROM inserted)) AS notified`.pipe(
        Effect.map(([row]) => ({ events: row?.events ?? 0, deliveries: row?.deliveries ?? 0 })),
        unavailable
      ),
    // Endpoints are served in turn from where the last claim stopped (see 0020), each up to its
    // free slots, so a backlog on one cannot crowd out the others and a claim's cost does not
    // grow with what is queued.
    claim: ({ now, limit, perEndpoint, slots, leaseMs, retryWindowMs }) =>
      Effect.gen(function* () {
        const after = yield* Ref.get(cursor)
        const rows = yield* sql<ClaimRow>`
          SELECT * FROM claim_webhook_deliveries(${now}, ${limit}, ${perEndpoint},
            ${new Date(now.getTime() + leaseMs)}, ${new Date(now.getTime() + retryWindowMs)}, ${after},
            ${[...(slots?.keys() ?? [])]}::int[], ${[...(slots?.values() ?? [])]}::int[])`
        yield* Ref.set(
          cursor,
          nextCursor(
            after,
            rows.map((r) => r.webhook_id)
          )
        )
        return rows.map(toClaimed)
      }).pipe(unavailable),
    record: (delivery, attempt) => record({ delivery, ...attempt }),
    // A claim is named by its delivery and attempt number: one taken over since is left alone.
    extend: (claims, leaseUntil) =>
      claims.length === 0
        ? Effect.void
        : sql`
            UPDATE webhook_deliveries d SET lease_until = ${leaseUntil}
            FROM unnest(${claims.map((c) => c.id)}::bigint[], ${claims.map((c) => c.attempts)}::int[]) AS c(id, attempts)
            WHERE d.id = c.id AND d.attempts = c.attempts AND d.status = 'sending'`.pipe(
            Effect.asVoid,
            unavailable
          ),
    // Never attempted: the attempt number goes back, and a first attempt's retry window with it.
    release: (claims) =>
      claims.length === 0
        ? Effect.void
        : sql`
            UPDATE webhook_deliveries d SET status = 'pending', lease_until = NULL, attempts = d.attempts - 1,
              retry_until = CASE WHEN d.attempts = 1 THEN NULL ELSE d.retry_until END
            FROM unnest(${claims.map((c) => c.id)}::bigint[], ${claims.map((c) => c.attempts)}::int[]) AS c(id, attempts)
            WHERE d.id = c.id AND d.attempts = c.attempts AND d.status = 'sending'`.pipe(
            Effect.asVoid,
            unavailable
          ),
    // A lost connection is opened again after a pause; the dispatcher's idle pause covers the gap.
    announcements: pg.listen(QUEUED_CHANNEL).pipe(
      Stream.map(() => undefined),
      Stream.retry(Schedule.spaced("1 second")),
      Stream.catchAll(() => Stream.never)
    )
  })
})

export const layer = Layer.scoped(WebhookQueue, make)
