import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The audit log (P15, P16, P28): who did what, to what, from where. `team_id` is null for account
 * actions not tied to a team (a failed sign-in). Entries are only added and, after 90 days, purged
 * oldest first through the `occurred_at` index.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      team_id integer REFERENCES teams (id) ON DELETE CASCADE,
      action text NOT NULL,
      actor_kind text CHECK (actor_kind IN ('api_key', 'user', 'operator')),
      actor_id text,
      target_type text,
      target_id text,
      details jsonb NOT NULL DEFAULT '{}',
      address text,
      user_agent text,
      occurred_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX audit_log_team_time ON audit_log (team_id, occurred_at DESC, id DESC)`
  yield* sql`CREATE INDEX audit_log_time ON audit_log (occurred_at)`
})
