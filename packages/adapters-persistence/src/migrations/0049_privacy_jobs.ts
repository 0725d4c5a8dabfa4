import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Data-subject exports and erasures (P37) as jobs workers claim with a lease: an erasure saves its
 * progress (stage, cursor, counts) after every batch, so a crash loses one batch at most. A
 * finished erasure keeps only the address's hash, and the hash finds the team's exports of the same
 * address to forget them too. Erasure finds an address among the deliveries through an index on
 * the recipient as it is compared (lower-cased), per team.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE privacy_jobs (
      id text PRIMARY KEY CHECK (id ~ '^prj_[0-9a-f]{24}$'),
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('export', 'erase')),
      address text,
      address_hash text NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done')),
      progress jsonb,
      result jsonb,
      requested_by text,
      attempts integer NOT NULL DEFAULT 0,
      lease_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )`
  yield* sql`CREATE INDEX privacy_jobs_open ON privacy_jobs (created_at) WHERE status <> 'done'`
  yield* sql`CREATE INDEX privacy_jobs_team_subject ON privacy_jobs (team_id, address_hash)`
  yield* sql`CREATE INDEX IF NOT EXISTS deliveries_team_recipient ON deliveries (team_id, lower(recipient))`
})
