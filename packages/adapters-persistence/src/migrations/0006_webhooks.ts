import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // Each event gets a public id (the `id` receivers see, the same on every retry) and a mark once
  // it has been fanned out to endpoints. Workers claim unmarked events with SKIP LOCKED, which is
  // safe against ids committed out of order, unlike a cursor on the id.
  yield* sql`
    ALTER TABLE events
      ADD COLUMN public_id text NOT NULL DEFAULT ('evt_' || replace(gen_random_uuid()::text, '-', '')),
      ADD COLUMN fanned_out_at timestamptz`
  // Events from before webhooks existed are not sent to endpoints registered later.
  yield* sql`UPDATE events SET fanned_out_at = created_at`
  yield* sql`CREATE INDEX events_not_fanned_out ON events (id) WHERE fanned_out_at IS NULL`
  yield* sql`
    CREATE TABLE webhooks (
      id serial PRIMARY KEY,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      url text NOT NULL,
      description text,
      events text[] NOT NULL,
      active boolean NOT NULL DEFAULT true,
      secret_sealed bytea NOT NULL,
      secret_prefix text NOT NULL,
      previous_secret_sealed bytea,
      previous_secret_expires_at timestamptz,
      secret_rotated_at timestamptz,
      consecutive_failures integer NOT NULL DEFAULT 0,
      disabled_at timestamptz,
      disabled_reason text,
      last_delivery_at timestamptz,
      last_delivery_status integer,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX webhooks_team ON webhooks (team_id, id)`
  yield* sql`
    CREATE TABLE webhook_deliveries (
      id bigserial PRIMARY KEY,
      webhook_id integer NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
      team_id integer NOT NULL,
      event_id bigint REFERENCES events (id) ON DELETE SET NULL,
      event_public_id text NOT NULL,
      event_type text NOT NULL,
      data jsonb NOT NULL,
      event_created_at timestamptz NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      retry_until timestamptz,
      lease_until timestamptz,
      status_code integer,
      response_body text,
      delivered_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (webhook_id, event_id)
    )`
  yield* sql`
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
      WHERE status IN ('pending', 'sending')`
  yield* sql`CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id)`
  yield* sql`
    CREATE TABLE webhook_attempts (
      id bigserial PRIMARY KEY,
      delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
      attempt integer NOT NULL,
      started_at timestamptz NOT NULL,
      duration_ms integer NOT NULL,
      status_code integer,
      response_body text,
      error text
    )`
  yield* sql`CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id)`
})
