import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    ALTER TABLE domains
      ADD COLUMN status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'failed')),
      ADD COLUMN region text NOT NULL DEFAULT 'eu-west-1',
      ADD COLUMN return_path_label text NOT NULL DEFAULT 'bounces',
      ADD COLUMN open_tracking boolean NOT NULL DEFAULT false,
      ADD COLUMN click_tracking boolean NOT NULL DEFAULT false,
      ADD COLUMN tracking_domain text,
      ADD COLUMN tls_mode text NOT NULL DEFAULT 'opportunistic' CHECK (tls_mode IN ('opportunistic', 'enforced')),
      ADD COLUMN inbound_enabled boolean NOT NULL DEFAULT false,
      ADD COLUMN catch_all boolean NOT NULL DEFAULT false,
      ADD COLUMN stream_preference text NOT NULL DEFAULT 'any',
      ADD COLUMN bimi_logo_url text,
      ADD COLUMN dns_records jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN verified_at timestamptz,
      ADD COLUMN last_checked_at timestamptz,
      ADD COLUMN next_check_at timestamptz NOT NULL DEFAULT now(),
      ADD COLUMN deleted_at timestamptz`
  // A deleted domain keeps its row (its mail history points at it); its name can be added again.
  yield* sql`ALTER TABLE domains DROP CONSTRAINT domains_team_id_name_key`
  yield* sql`CREATE UNIQUE INDEX domains_live_name ON domains (team_id, name) WHERE deleted_at IS NULL`
  yield* sql`CREATE INDEX domains_next_check ON domains (next_check_at) WHERE deleted_at IS NULL`
  // A key's domain scope must be a domain of the key's own team, enforced by the database too.
  yield* sql`ALTER TABLE domains ADD CONSTRAINT domains_team_id_id_key UNIQUE (team_id, id)`
  yield* sql`ALTER TABLE api_keys DROP CONSTRAINT api_keys_domain_id_fkey`
  yield* sql`
    ALTER TABLE api_keys ADD CONSTRAINT api_keys_domain_same_team
      FOREIGN KEY (team_id, domain_id) REFERENCES domains (team_id, id) ON DELETE CASCADE`
  yield* sql`
    CREATE TABLE dkim_keys (
      id serial PRIMARY KEY,
      domain_id integer NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
      selector text NOT NULL,
      public_key text NOT NULL,
      private_key_sealed bytea NOT NULL,
      state text NOT NULL CHECK (state IN ('active', 'pending', 'retiring', 'retired')),
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz,
      activates_after timestamptz,
      retire_after timestamptz,
      UNIQUE (domain_id, selector)
    )`
  yield* sql`CREATE UNIQUE INDEX dkim_keys_one_active ON dkim_keys (domain_id) WHERE state = 'active'`
  yield* sql`CREATE UNIQUE INDEX dkim_keys_one_pending ON dkim_keys (domain_id) WHERE state = 'pending'`
  // The outbox: every event a team may be told about (webhooks read it in order of id).
  yield* sql`
    CREATE TABLE events (
      id bigserial PRIMARY KEY,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      type text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX events_team ON events (team_id, id)`
  yield* sql`
    CREATE TABLE periodic_task_runs (
      name text PRIMARY KEY,
      last_run_at timestamptz NOT NULL
    )`
})
