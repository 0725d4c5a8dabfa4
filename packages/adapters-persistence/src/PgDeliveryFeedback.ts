import { SqlClient } from "@effect/sql"
import { DeliveryFeedback } from "@poststack/application"
import { aggregateStatus, DeliveryId, type DeliveryStatus, EmailId, TeamId } from "@poststack/domain"
import { Array as Arr, Clock, Effect, Layer, Schema } from "effect"
import { EVENT_EMAIL_COLUMNS, EventEmailColumns, eventEmail, insertEmailEvents } from "./EmailEvents.js"
import { BigIntId, decodeRows } from "./PgRows.js"
import { unavailable } from "./SqlErrors.js"

/** A `deliveries` row with its email's Message-ID, bigint ids as text. */
const SentDeliveryRow = Schema.Struct({
  id: BigIntId(DeliveryId),
  emailId: BigIntId(EmailId),
  teamId: TeamId,
  recipient: Schema.String,
  messageId: Schema.String,
  status: Schema.String
})

const eventEmailRows = decodeRows("emails", EventEmailColumns)

const COLUMNS = `d.id, d.email_id AS "emailId", d.team_id AS "teamId", d.recipient, e.message_id AS "messageId", d.status`

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(COLUMNS)
  const first = (rows: ReadonlyArray<unknown>) =>
    Effect.map(decodeRows("deliveries", SentDeliveryRow)(rows), Arr.head)
  return DeliveryFeedback.of({
    delivery: (id) =>
      sql`
        SELECT ${columns}
        FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE d.id = ${id}`.pipe(
        Effect.flatMap(first),
        unavailable
      ),
    byMessageId: (teamId, messageId, recipient) =>
      sql`
        SELECT ${columns}
        FROM deliveries d JOIN emails e ON e.id = d.email_id
        WHERE e.team_id = ${teamId} AND e.message_id = ${messageId}
          AND (${recipient}::text IS NULL OR lower(d.recipient) = lower(${recipient}))
        ORDER BY d.id LIMIT 1`.pipe(Effect.flatMap(first), unavailable),
    record: (delivery, feedback) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            if (feedback.status === "bounced") {
              const first = feedback.events[0]
              const diagnostic = first?.type === "bounced" ? first.metadata.diagnostic : undefined
              yield* sql`
                UPDATE deliveries SET status = 'bounced', next_attempt_at = now(), lease_until = NULL,
                  last_reply = coalesce(${typeof diagnostic === "string" ? diagnostic : null}, last_reply)
                WHERE id = ${delivery.id}`
            }
            if (feedback.events.length > 0) {
              const emails = yield* sql`
                SELECT ${sql.literal(EVENT_EMAIL_COLUMNS)} FROM emails e WHERE e.id = ${delivery.emailId}`.pipe(
                Effect.flatMap(eventEmailRows)
              )
              const at = new Date(yield* Clock.currentTimeMillis)
              yield* insertEmailEvents(
                sql,
                emails.flatMap((row) =>
                  feedback.events.map((detail) => ({
                    email: eventEmail(row),
                    deliveryId: delivery.id,
                    detail,
                    at
                  }))
                )
              )
            }
            if (feedback.suppress !== null) {
              yield* sql`
                INSERT INTO suppressions (team_id, email, reason, source_email_id)
                SELECT ${delivery.teamId}, ${delivery.recipient}, ${feedback.suppress}, ${delivery.emailId}
                -- A system mail's bounce or complaint lists nobody: its team's list is not the person's.
                WHERE NOT EXISTS (SELECT 1 FROM emails WHERE id = ${delivery.emailId} AND system)
                ON CONFLICT (team_id, lower(email)) DO NOTHING`
            }
            if (feedback.status === "complained") {
              yield* sql`UPDATE emails SET status = 'complained' WHERE id = ${delivery.emailId}`
            } else if (feedback.status === "bounced") {
              const statuses = yield* sql<{ status: DeliveryStatus }>`
                SELECT status FROM deliveries WHERE email_id = ${delivery.emailId}`
              yield* sql`
                UPDATE emails SET status = ${aggregateStatus(statuses.map((s) => s.status))}
                WHERE id = ${delivery.emailId} AND status <> 'complained'`
            }
          })
        )
        .pipe(unavailable)
  })
})

export const layer = Layer.effect(DeliveryFeedback, make)
