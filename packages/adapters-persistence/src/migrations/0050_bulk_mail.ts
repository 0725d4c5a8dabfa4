import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Marketing mail (a broadcast's recipients, later a workflow's) is bulk: an email and each of its
 * deliveries carry the mark, so the delivery queue can put transactional mail first and count a
 * team's bulk sending on its own. Adding a column with a constant default rewrites nothing.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE emails ADD COLUMN bulk boolean NOT NULL DEFAULT false`
  yield* sql`ALTER TABLE deliveries ADD COLUMN bulk boolean NOT NULL DEFAULT false`
})
