import type { SqlClient } from "@effect/sql"
import type { LifecycleWrite } from "@poststack/application"
import type { DeliveryState, EmailProgress, EmailStatus, TeamId } from "@poststack/domain"
import { Effect } from "effect"

/**
 * Reads an email's progress with the email and all its deliveries locked, inside the caller's
 * transaction. A worker that claimed a delivery first makes this wait, then the delivery shows as
 * started; one that claims later waits for the caller's write and finds nothing left to claim.
 */
export const lockProgress = (sql: SqlClient.SqlClient, teamId: TeamId, publicId: string) =>
  Effect.gen(function* () {
    const [email] = yield* sql<{ id: string; status: EmailStatus }>`
      SELECT id, status FROM emails WHERE team_id = ${teamId} AND public_id = ${publicId} FOR UPDATE`
    if (email === undefined) return undefined
    const deliveries = yield* sql<{
      status: DeliveryState
    }>`SELECT status FROM deliveries WHERE email_id = ${email.id} FOR UPDATE`
    return { id: email.id, status: email.status, deliveries: deliveries.map((d) => d.status) }
  })

export const notFound: LifecycleWrite = { _tag: "NotFound" }
export const written: LifecycleWrite = { _tag: "Written" }
export const refused = ({ status, deliveries }: EmailProgress): LifecycleWrite => ({
  _tag: "Refused",
  progress: { status, deliveries }
})
