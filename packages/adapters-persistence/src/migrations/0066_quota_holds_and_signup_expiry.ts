import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * `quota_holds`: places held under a limited plan's daily and monthly limits by emails being
 * accepted, shared by every server process (PgUsageMeter.admit). A row lives from the admission
 * to the commit that writes its email, which deletes it; one left by a crashed process lapses at
 * `expires_at`. And an index for the hourly purge of signup submissions left unconfirmed past
 * their link's expiry.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE quota_holds (
      id bigserial PRIMARY KEY,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      expires_at timestamptz NOT NULL
    )`
  yield* sql`CREATE INDEX quota_holds_team ON quota_holds (team_id)`
  yield* sql`
    CREATE INDEX signup_submissions_unconfirmed ON signup_submissions (created_at)
    WHERE confirmed_at IS NULL`
})
