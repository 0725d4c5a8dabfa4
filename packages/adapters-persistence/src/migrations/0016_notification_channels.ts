import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Notification channels (Slack, Discord, Telegram) are endpoints of the webhook queue: a row in
 * `webhooks` of another `kind`, so fan-out, claims, retries, the delivery log, replay and
 * auto-disable are the webhooks' own. `secret_sealed` holds the channel's sealed config (its
 * webhook URL or bot token); `url` holds only the platform's name.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    ALTER TABLE webhooks
      ADD COLUMN kind text NOT NULL DEFAULT 'webhook' CHECK (kind IN ('webhook', 'slack', 'discord', 'telegram')),
      ADD COLUMN public_id text UNIQUE,
      ADD COLUMN name text,
      ADD COLUMN domain_id integer REFERENCES domains (id) ON DELETE CASCADE,
      ADD COLUMN domain_name text,
      ADD COLUMN config_summary jsonb,
      ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
      ADD CONSTRAINT webhooks_channel_fields CHECK (
        (kind = 'webhook') = (public_id IS NULL) AND (kind = 'webhook' OR (name IS NOT NULL AND config_summary IS NOT NULL))
      )`
  yield* sql`CREATE INDEX webhooks_team_kind ON webhooks (team_id, kind, id)`
  // Whether an event concerns a domain, for channels limited to one: domain and inbound events name
  // it by id, email events by their sender's address.
  yield* sql`
    CREATE FUNCTION event_concerns_domain(p_type text, p_payload jsonb, p_domain_id integer, p_domain_name text)
    RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
      SELECT CASE
        WHEN p_payload ? 'domain_id' THEN p_payload->>'domain_id' = p_domain_id::text
        WHEN p_type LIKE 'email.%' THEN
          lower(substring(p_payload->>'from' FROM '@([^@<>[:space:]]+)>?[[:space:]]*$')) = p_domain_name
        ELSE false
      END
    $$`
})
