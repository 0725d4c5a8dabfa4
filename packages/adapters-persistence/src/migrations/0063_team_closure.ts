import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * A closed team (P25): `closed_at` stops it at once and starts the clock of its deletion. The
 * partial index keeps the purge's search for closed teams to the few rows that are.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE teams ADD COLUMN closed_at timestamptz`
  yield* sql`CREATE INDEX teams_closed ON teams (closed_at) WHERE closed_at IS NOT NULL`
})
