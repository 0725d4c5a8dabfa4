import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Plans, each team's place among them, and usage per team and day (P17).
 *
 * Usage is counted by statement-level triggers over the rows a statement wrote (transition
 * tables): one upsert per statement, whatever the batch size, in the transaction that writes the
 * emails and their events, so a count is exact and never runs ahead of what was committed. The
 * API's acceptances and the workers' outcomes count into different rows (`metric`), so a send
 * never waits on a worker's count. System mail is not counted.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE plans (
      id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
      name text NOT NULL,
      monthly_limit bigint CHECK (monthly_limit >= 0),
      daily_limit bigint CHECK (daily_limit >= 0),
      retention_days integer NOT NULL CHECK (retention_days BETWEEN 14 AND 90),
      overage_cents_per_1000 integer CHECK (overage_cents_per_1000 >= 0),
      stripe_price_id text UNIQUE,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`
    CREATE TABLE team_billing (
      team_id integer PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
      plan_id text NOT NULL DEFAULT 'unlimited',
      status text NOT NULL DEFAULT 'none' CHECK (status IN ('none', 'active', 'past_due', 'canceled')),
      grace_until timestamptz,
      customer_id text UNIQUE,
      subscription_id text,
      last_event_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`
  // Billing records outlive the team (P27): no foreign key, nothing cascades into them.
  yield* sql`
    CREATE TABLE billing_records (
      id bigserial PRIMARY KEY,
      team_id integer NOT NULL,
      kind text NOT NULL,
      event_id text UNIQUE,
      plan_id text,
      amount_cents bigint,
      currency text,
      detail jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX billing_records_team ON billing_records (team_id, id DESC)`
  yield* sql`
    CREATE TABLE overage_reports (
      team_id integer NOT NULL,
      period text NOT NULL,
      quantity bigint NOT NULL,
      reported_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (team_id, period)
    )`
  yield* sql`
    CREATE TABLE usage_daily (
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      day date NOT NULL,
      test_mode boolean NOT NULL,
      metric text NOT NULL CHECK (metric IN ('accepted', 'sent', 'delivered', 'bounced')),
      count bigint NOT NULL,
      PRIMARY KEY (team_id, day, test_mode, metric)
    )`
  yield* sql.unsafe(`
    CREATE FUNCTION count_accepted_emails() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO usage_daily AS u (team_id, day, test_mode, metric, count)
      SELECT team_id, (created_at AT TIME ZONE 'UTC')::date, test_mode, 'accepted', count(*)
      FROM added WHERE NOT system
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      ON CONFLICT (team_id, day, test_mode, metric) DO UPDATE SET count = u.count + excluded.count;
      RETURN NULL;
    END
    $$`)
  yield* sql.unsafe(`
    CREATE TRIGGER emails_count_usage AFTER INSERT ON emails
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_accepted_emails()`)
  yield* sql.unsafe(`
    CREATE FUNCTION count_email_outcomes() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO usage_daily AS u (team_id, day, test_mode, metric, count)
      SELECT e.team_id, (a.created_at AT TIME ZONE 'UTC')::date, e.test_mode, a.event_type, count(*)
      FROM added a JOIN emails e ON e.id = a.email_id
      WHERE a.event_type IN ('sent', 'delivered', 'bounced') AND NOT e.system
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
      ON CONFLICT (team_id, day, test_mode, metric) DO UPDATE SET count = u.count + excluded.count;
      RETURN NULL;
    END
    $$`)
  yield* sql.unsafe(`
    CREATE TRIGGER email_events_count_usage AFTER INSERT ON email_events
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_email_outcomes()`)
})
