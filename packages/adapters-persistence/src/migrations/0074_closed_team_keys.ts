import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The hashes of the keys a team had when it was closed: such a key is refused with its own answer
 * (403 `team_closed`) instead of looking mistyped. The rows go with the team when its data is
 * deleted; the key is then unknown, as any other. Teams closed before this migration had their
 * keys deleted without a trace: theirs stay plain 401s.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE closed_team_keys (
      key_hash bytea PRIMARY KEY,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE
    )`
  yield* sql`CREATE INDEX closed_team_keys_team ON closed_team_keys (team_id)`
})
