import { SqlClient } from "@effect/sql"
import { DeliveryFeedback, type SentDelivery } from "@poststack/application"
import { aggregateStatus, type DeliveryStatus, type TeamId } from "@poststack/domain"
import { Array as Arr, Clock, Effect, Layer, Option } from "effect"
import { EVENT_EMAIL_COLUMNS, type EventEmailRow, eventEmail, insertEmailEvents } from "./EmailEvents.js"
import { unavailable } from "./SqlErrors.js"

interface Row {
  readonly id: string
  readonly email_id: string
  readonly team_id: number
  readonly recipient: string
  readonly message_id: string
  readonly status: string
}

const toDelivery = (r: Row): SentDelivery => ({
  id: Number(r.id),
  emailId: Number(r.email_id),
  teamId: r.team_id as TeamId,
  recipient: r.recipient,
  messageId: r.message_id,
  status: r.status
})

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return DeliveryFeedback.of({
    delivery: (id) =>
      sql<Row>`
        SELECT d.id, d.email_id, d.team_id, d.recipient, e.message_id, d.status
        FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE d.id = ${id}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toDelivery)),
        unavailable
      ),
    byMessageId: (teamId, messageId, recipient) =>
      sql<Row>`
        SELECT d.id, d.email_id, d.team_id, d.recipient, e.message_id, d.status
        FROM deliveries d JOIN emails e ON e.id = d.email_id
        WHERE e.team_id = ${teamId} AND e.message_id = ${messageId}
          AND (${recipient}::text IS NULL OR lower(d.recipient) = lower(${recipient}))
        ORDER BY d.id LIMIT 1`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toDelivery)),
        unavailable
      ),
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
              const emails = yield* sql<EventEmailRow>`
                SELECT ${sql.literal(EVENT_EMAIL_COLUMNS)} FROM emails e WHERE e.id = ${delivery.emailId}`
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
                VALUES (${delivery.teamId}, ${delivery.recipient}, ${feedback.suppress}, ${delivery.emailId})
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
