import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Every authenticated API request (P14): the route template, never the path or query a client
 * sent, with status, actor, address, user agent and duration. Written in batches off the request
 * path; rows past the retention are purged oldest first through the `requested_at` index.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE api_request_log (
      id bigserial PRIMARY KEY,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      actor_kind text NOT NULL CHECK (actor_kind IN ('api_key', 'user', 'operator')),
      actor_id text,
      method text NOT NULL,
      endpoint text NOT NULL,
      status smallint NOT NULL,
      duration_ms integer NOT NULL,
      address text,
      user_agent text,
      requested_at timestamptz NOT NULL
    )`
  yield* sql`CREATE INDEX api_request_log_team_time ON api_request_log (team_id, requested_at DESC, id DESC)`
  yield* sql`CREATE INDEX api_request_log_time ON api_request_log (requested_at)`
})
