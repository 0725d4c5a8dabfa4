import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE teams (
      id serial PRIMARY KEY,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`
    CREATE TABLE domains (
      id serial PRIMARY KEY,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      public_id text NOT NULL UNIQUE,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (team_id, name)
    )`
  yield* sql`
    CREATE TABLE api_keys (
      id serial PRIMARY KEY,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      name text NOT NULL,
      key_prefix text NOT NULL,
      key_hash bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
      permission text NOT NULL CHECK (permission IN ('full_access', 'sending_access')),
      mode text NOT NULL CHECK (mode IN ('live', 'test')),
      domain_id integer REFERENCES domains (id) ON DELETE CASCADE,
      last_used_at timestamptz,
      expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX api_keys_team_id ON api_keys (team_id, id)`
})
