import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // A message submitted over SMTP is delivered as submitted (less our control headers), so it is kept whole.
  yield* sql`ALTER TABLE emails ADD COLUMN raw_mime bytea`
  // One row per recipient of a received message; the raw message itself lives in blob storage.
  yield* sql`
    CREATE TABLE inbound_emails (
      id bigserial PRIMARY KEY,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      domain_id integer REFERENCES domains (id) ON DELETE SET NULL,
      from_address text NOT NULL,
      from_name text,
      to_address text NOT NULL,
      to_addresses jsonb NOT NULL DEFAULT '[]',
      cc_addresses jsonb NOT NULL DEFAULT '[]',
      message_id text,
      in_reply_to text,
      "references" text[] NOT NULL DEFAULT '{}',
      subject text,
      html_body text,
      text_body text,
      headers jsonb NOT NULL DEFAULT '{}',
      mailbox_hash text,
      authentication jsonb NOT NULL,
      raw_key text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX inbound_emails_team_created ON inbound_emails (team_id, created_at DESC, id DESC)`
  yield* sql`CREATE INDEX inbound_emails_raw ON inbound_emails (raw_key)`
  yield* sql`
    CREATE TABLE inbound_attachments (
      id bigserial PRIMARY KEY,
      inbound_email_id bigint NOT NULL REFERENCES inbound_emails (id) ON DELETE CASCADE,
      filename text NOT NULL,
      content_type text NOT NULL,
      size integer NOT NULL,
      blob_key text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX inbound_attachments_email ON inbound_attachments (inbound_email_id)`
  yield* sql`CREATE INDEX inbound_attachments_blob ON inbound_attachments (blob_key)`
})
