import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // Set by the operator's `domains verify-local`: the domain sends without its DNS being checked.
  yield* sql`ALTER TABLE domains ADD COLUMN verified_locally_at timestamptz`
})
