import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * `broadcast_samples`: an A/B test's sample, drawn at random once when the send starts (in the
 * transaction that starts it), each contact with its place in the draw and its variant. The
 * sample's batches are written from it in `position` order, so a resumed expansion goes on with
 * the same draw rather than drawing again.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE broadcast_samples (
      broadcast_id integer NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
      position integer NOT NULL,
      contact_id integer NOT NULL,
      variant_id integer NOT NULL,
      PRIMARY KEY (broadcast_id, position)
    )`
})
