import { SqlClient } from "@effect/sql"
import { DeliveryQueue } from "@poststack/application"
import { aggregateStatus, type DeliveryStatus } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { insertEmailEvents } from "./EmailEvents.js"
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
}

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
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
        FROM due, emails e
        WHERE d.id = due.id AND e.id = d.email_id
        RETURNING d.id, d.email_id, d.team_id, e.domain_id, d.recipient, d.attempts, e.test_mode, d.created_at, d.status,
          d.lease_until`.pipe(
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
            leaseUntil: r.lease_until
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
    record: ({ id: deliveryId, attempts }, result) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            // The email's row is locked first, so the copies of one email record one at a time and
            // each sees the others' outcomes when it sums them up below.
            const updated = yield* sql<{ email_id: string }>`
              WITH email AS (
                SELECT id FROM emails WHERE id = (SELECT email_id FROM deliveries WHERE id = ${deliveryId}) FOR UPDATE
              )
              UPDATE deliveries SET status = ${result.status},
                last_reply = coalesce(${result.reply}, last_reply), mx_host = coalesce(${result.mx}, mx_host),
                -- Back to queued means it was never tried (its destination was busy): not an attempt.
                attempts = CASE WHEN ${result.status} = 'queued' THEN deliveries.attempts - 1 ELSE deliveries.attempts END,
                lease_until = NULL, next_attempt_at = coalesce(${result.nextAttemptAt}, next_attempt_at),
                delivered_at = CASE WHEN ${result.status} = 'delivered' THEN now() ELSE delivered_at END
              FROM email
              WHERE deliveries.id = ${deliveryId} AND deliveries.email_id = email.id AND deliveries.status = 'sending'
                AND deliveries.attempts = ${attempts}
              RETURNING deliveries.email_id`
            const emailId = updated[0]?.email_id
            // Not ours any more: the lease ran out and another worker took it (every claim counts one
            // more attempt than the claims before it, and the lease renewals leave that count alone),
            // or it was settled already. Record nothing.
            if (emailId === undefined) return
            if (result.events.length > 0) {
              yield* insertEmailEvents(
                sql,
                result.events.map((event) => ({
                  emailId,
                  deliveryId,
                  type: event.type,
                  metadata: event.metadata
                }))
              )
            }
            if (result.suppress !== null) {
              yield* sql`
                INSERT INTO suppressions (team_id, email, reason, source_email_id)
                VALUES (${result.suppress.teamId}, ${result.suppress.address}, ${result.suppress.reason}, ${emailId})
                ON CONFLICT (team_id, lower(email)) DO NOTHING`
            }
            const statuses = yield* sql<{
              status: DeliveryStatus | "scheduled"
            }>`SELECT status FROM deliveries WHERE email_id = ${emailId}`
            // A copy still waiting for its send time (a claim took only some of them) is yet to go.
            const moving = statuses.map((s) => (s.status === "scheduled" ? "queued" : s.status))
            const complained = result.events.some((e) => e.type === "complained")
            const status = complained ? "complained" : aggregateStatus(moving)
            yield* sql`
              UPDATE emails SET status = ${status},
                sent_at = CASE WHEN sent_at IS NULL AND ${result.events.some((e) => e.type === "sent")} THEN now() ELSE sent_at END
              WHERE id = ${emailId}`
          })
        )
        .pipe(unavailable)
  })
})

export const layer = Layer.effect(DeliveryQueue, make)
