import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Usage counters in slots. Every accepting statement added its emails to one row per team and day
 * (`count_accepted_emails`, 0046) and held that row's lock until it committed, disk sync included:
 * two accepting transactions of one team could never commit side by side, so a second group commit
 * writer only waited for the first. Each statement now adds to the slot of its own connection
 * (`pg_backend_pid() % 16`), readers sum the slots, and concurrent commits share the sync.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE usage_daily ADD COLUMN slot smallint NOT NULL DEFAULT 0`
  yield* sql`ALTER TABLE usage_daily DROP CONSTRAINT usage_daily_pkey`
  yield* sql`ALTER TABLE usage_daily ADD PRIMARY KEY (team_id, day, test_mode, metric, slot)`
  yield* sql.unsafe(`
    CREATE OR REPLACE FUNCTION count_accepted_emails() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO usage_daily AS u (team_id, day, test_mode, metric, slot, count)
      SELECT team_id, (created_at AT TIME ZONE 'UTC')::date, test_mode, 'accepted', pg_backend_pid() % 16, count(*)
      FROM added WHERE NOT system
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      ON CONFLICT (team_id, day, test_mode, metric, slot) DO UPDATE SET count = u.count + excluded.count;
      RETURN NULL;
    END
    $$`)
  yield* sql.unsafe(`
    CREATE OR REPLACE FUNCTION count_email_outcomes() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO usage_daily AS u (team_id, day, test_mode, metric, slot, count)
      SELECT e.team_id, (a.created_at AT TIME ZONE 'UTC')::date, e.test_mode, a.event_type, pg_backend_pid() % 16,
        count(*)
      FROM added a JOIN emails e ON e.id = a.email_id
      WHERE a.event_type IN ('sent', 'delivered', 'bounced') AND NOT e.system
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
      ON CONFLICT (team_id, day, test_mode, metric, slot) DO UPDATE SET count = u.count + excluded.count;
      RETURN NULL;
    END
    $$`)
})
