import { type SqlClient, SqlSchema } from "@effect/sql"
import type { LifecycleWrite } from "@poststack/application"
import { DeliveryState, type EmailProgress, EmailStatus, type TeamId } from "@poststack/domain"
import { Effect, Option, Schema } from "effect"

const EmailRow = Schema.Struct({ id: Schema.String, status: EmailStatus })
const DeliveryRow = Schema.Struct({ status: DeliveryState })

/**
 * Reads an email's progress with the email and all its deliveries locked, inside the caller's
 * transaction. A worker that claimed a delivery first makes this wait, then the delivery shows as
 * started; one that claims later skips the locked deliveries and, after the caller's write, finds
 * nothing left to claim.
 */
export const lockProgress = (sql: SqlClient.SqlClient, teamId: TeamId, publicId: string) =>
  Effect.gen(function* () {
    const email = yield* SqlSchema.findOne({
      Request: Schema.Void,
      Result: EmailRow,
      execute: () => sql`
        SELECT id, status FROM emails
        WHERE team_id = ${teamId} AND public_id = ${publicId} AND NOT system FOR UPDATE`
    })(undefined)
    if (Option.isNone(email)) return undefined
    const deliveries = yield* SqlSchema.findAll({
      Request: Schema.Void,
      Result: DeliveryRow,
      execute: () => sql`SELECT status FROM deliveries WHERE email_id = ${email.value.id} FOR UPDATE`
    })(undefined)
    return { id: email.value.id, status: email.value.status, deliveries: deliveries.map((d) => d.status) }
  }).pipe(
    // A status outside the schema is a bug or a migration gone wrong, not a reason to retry.
    Effect.catchTag("ParseError", Effect.die)
  )

export const notFound: LifecycleWrite = { _tag: "NotFound" }
export const written: LifecycleWrite = { _tag: "Written" }
export const refused = ({ status, deliveries }: EmailProgress): LifecycleWrite => ({
  _tag: "Refused",
  progress: { status, deliveries }
})
