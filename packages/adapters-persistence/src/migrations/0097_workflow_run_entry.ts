import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * A workflow's `entry`: the steps every new run of its graph takes at once (the domain's
 * `RunEntry`, kept with the graph each time the graph is saved), so that a new run can be written
 * already waiting at the graph's first `delay` wait. Workflows saved before this keep none: their
 * runs start at the trigger, as before, until their graph is next saved.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE workflows ADD COLUMN entry jsonb`
})
