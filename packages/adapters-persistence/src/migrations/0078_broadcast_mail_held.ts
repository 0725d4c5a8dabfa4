import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * A broadcast whose team is suspended for a failed payment stops where it is: the expansion writes
 * nothing more, and the deliveries of its mail still waiting in the queue are held back (their due
 * time moved out of reach) until the team may send again. `mail_held` says a hold is in place, so
 * the claim that finds the team in good standing again knows to let that mail go, and no other.
 * A constant default: PostgreSQL adds the column without rewriting the table.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE broadcasts ADD COLUMN mail_held boolean NOT NULL DEFAULT false`
})
