import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Broadcasts, their A/B variants, and who each one reached. Expansion state lives on the broadcast
 * row (phase, contact-id cursor, due time, lease), so the worker's `broadcasts.expand` job claims
 * it like any leased job, and a batch's emails and the cursor move commit together.
 * `broadcast_recipients` holds one row per (broadcast, contact), its primary key being what keeps a
 * resumed expansion from mailing anyone twice.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE broadcasts (
      id serial PRIMARY KEY,
      public_id text NOT NULL UNIQUE CHECK (public_id ~ '^brd_[0-9a-f]{24}$'),
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      api_key_id integer REFERENCES api_keys (id) ON DELETE SET NULL,
      name text,
      subject text NOT NULL,
      html_body text,
      text_body text,
      from_address text NOT NULL,
      from_name text,
      reply_to text,
      domain_id integer REFERENCES domains (id),
      segment_id integer REFERENCES segments (id) ON DELETE SET NULL,
      topic_id integer REFERENCES subscription_topics (id) ON DELETE SET NULL,
      status text NOT NULL CHECK (status IN ('draft', 'queued', 'sending', 'sent', 'cancelled')),
      test_mode boolean NOT NULL DEFAULT false,
      ab_sample_percent integer,
      ab_duration_minutes integer,
      ab_metric text CHECK (ab_metric IN ('open_rate', 'click_rate')),
      winner_variant_id integer,
      phase text NOT NULL DEFAULT 'idle' CHECK (phase IN ('idle', 'sample', 'waiting', 'rest', 'done')),
      cursor_contact_id integer NOT NULL DEFAULT 0,
      sample_target integer,
      due_at timestamptz,
      lease_until timestamptz,
      scheduled_at timestamptz,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX broadcasts_team_created ON broadcasts (team_id, created_at DESC, id DESC)`
  yield* sql`CREATE INDEX broadcasts_due ON broadcasts (due_at) WHERE status IN ('queued', 'sending')`
  yield* sql`CREATE INDEX broadcasts_segment ON broadcasts (segment_id)`
  yield* sql`
    CREATE TABLE broadcast_variants (
      id serial PRIMARY KEY,
      broadcast_id integer NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
      position integer NOT NULL,
      name text NOT NULL,
      subject text NOT NULL,
      html_body text,
      text_body text,
      weight integer NOT NULL CHECK (weight BETWEEN 1 AND 100),
      UNIQUE (broadcast_id, position)
    )`
  yield* sql`
    CREATE TABLE broadcast_recipients (
      broadcast_id integer NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
      contact_id integer NOT NULL,
      variant_id integer,
      email_id bigint,
      PRIMARY KEY (broadcast_id, contact_id)
    )`
  // Counters and non-openers read a broadcast's emails; a variant's stats read its own.
  yield* sql`ALTER TABLE emails ADD COLUMN broadcast_id integer, ADD COLUMN broadcast_variant_id integer`
  yield* sql`CREATE INDEX emails_broadcast ON emails (broadcast_id) WHERE broadcast_id IS NOT NULL`
})
