import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Room on each page of `workflow_runs` for updates that stay on their page (HOT). A run's row is
 * updated several times (each claim, each record); a claim changes only its lease and attempt,
 * and a record that keeps the run (the path to a side effect) keeps its due time, so neither
 * changes an indexed column. With free room on the page PostgreSQL writes them without a new
 * entry in any of the table's five indexes; a full page (the default fill of 100%) forces a new
 * row version elsewhere and an entry in every index. Applies to pages written from now on.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE workflow_runs SET (fillfactor = 70)`
})
