import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE emails (
      id bigserial PRIMARY KEY,
      public_id text NOT NULL UNIQUE,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      api_key_id integer REFERENCES api_keys (id) ON DELETE SET NULL,
      domain_id integer NOT NULL REFERENCES domains (id),
      from_address text NOT NULL,
      from_name text,
      to_addresses text[] NOT NULL,
      cc_addresses text[] NOT NULL DEFAULT '{}',
      bcc_addresses text[] NOT NULL DEFAULT '{}',
      reply_to text[] NOT NULL DEFAULT '{}',
      subject text NOT NULL,
      html_body text,
      text_body text,
      headers jsonb NOT NULL DEFAULT '{}',
      tags text[] NOT NULL DEFAULT '{}',
      message_id text NOT NULL,
      status text NOT NULL,
      test_mode boolean NOT NULL,
      unsubscribe_enabled boolean NOT NULL DEFAULT false,
      track_opens boolean NOT NULL DEFAULT false,
      track_clicks boolean NOT NULL DEFAULT false,
      idempotency_key text,
      request_hash text,
      scheduled_at timestamptz,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  // One send per idempotency key and team, enforced by the database so concurrent duplicates make one email.
  yield* sql`CREATE UNIQUE INDEX emails_idempotency ON emails (team_id, idempotency_key) WHERE idempotency_key IS NOT NULL`
  yield* sql`CREATE INDEX emails_team_created ON emails (team_id, created_at DESC, id DESC)`
  yield* sql`
    CREATE TABLE email_attachments (
      id bigserial PRIMARY KEY,
      email_id bigint NOT NULL REFERENCES emails (id) ON DELETE CASCADE,
      filename text NOT NULL,
      content_type text,
      content_id text,
      content bytea NOT NULL
    )`
  yield* sql`CREATE INDEX email_attachments_email ON email_attachments (email_id)`
  // One row per recipient: what workers claim (FOR UPDATE SKIP LOCKED), with a lease that a crashed worker loses.
  yield* sql`
    CREATE TABLE deliveries (
      id bigserial PRIMARY KEY,
      email_id bigint NOT NULL REFERENCES emails (id) ON DELETE CASCADE,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      recipient text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('to', 'cc', 'bcc')),
      status text NOT NULL CHECK (status IN ('scheduled', 'queued', 'sending', 'deferred', 'delivered', 'bounced',
                                             'failed', 'suppressed', 'cancelled')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      last_reply text,
      mx_host text,
      suppression_reason text,
      delivered_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('queued', 'deferred', 'scheduled')`
  yield* sql`CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE status = 'sending'`
  yield* sql`CREATE INDEX deliveries_email ON deliveries (email_id)`
  yield* sql`
    CREATE TABLE email_events (
      id bigserial PRIMARY KEY,
      email_id bigint NOT NULL REFERENCES emails (id) ON DELETE CASCADE,
      delivery_id bigint REFERENCES deliveries (id) ON DELETE CASCADE,
      event_type text NOT NULL,
      metadata jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX email_events_email ON email_events (email_id, id)`
  // The one suppression list every send path consults; entries are kept until removed.
  yield* sql`
    CREATE TABLE suppressions (
      id serial PRIMARY KEY,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      email text NOT NULL,
      reason text NOT NULL CHECK (reason IN ('hard_bounce', 'complaint', 'unsubscribe', 'manual')),
      source_email_id bigint REFERENCES emails (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE UNIQUE INDEX suppressions_team_email ON suppressions (team_id, lower(email))`
})
