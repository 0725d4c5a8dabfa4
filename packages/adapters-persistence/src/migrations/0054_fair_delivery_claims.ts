import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Fair delivery claims: transactional mail before bulk, bulk shared between teams, and each team's
 * bulk claims counted per hour against its plan's rate (0055).
 *
 * The one queue index of 0005 becomes two partial ones: the transactional rows by due time (a
 * password reset is found at once, however many bulk rows wait), and the bulk rows by team and
 * due time, which serves both the walk over the teams with bulk mail waiting (one index probe per
 * team, not a scan of the backlog) and each team's oldest due rows.
 *
 * `bulk_sending_hours` counts each team's bulk claims in the current hour. A claim locks the rows
 * of the teams it takes bulk mail from, in team order, and reads their counts under the lock, so
 * workers claiming at the same moment wait for each other's counts and never pass the rate
 * together. Only the current hour is kept.
 *
 * `claim_delivery_ids` chooses and locks what a claim takes and counts it; the claim's one
 * statement marks the rows it returns as sending. A claim given back untried (its destination had
 * no free connection: the settlement puts it back in the queue with its attempt returned) is taken
 * off the count again, in the statement that gives it back (a statement trigger over the rows it
 * changed).
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE INDEX deliveries_due_transactional ON deliveries (next_attempt_at)
    WHERE NOT bulk AND status IN ('queued', 'deferred', 'scheduled')`
  yield* sql`
    CREATE INDEX deliveries_due_bulk ON deliveries (team_id, next_attempt_at, id)
    WHERE bulk AND status IN ('queued', 'deferred', 'scheduled')`
  yield* sql`DROP INDEX IF EXISTS deliveries_due`
  yield* sql`
    CREATE TABLE bulk_sending_hours (
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      hour timestamptz NOT NULL,
      claimed bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (team_id, hour)
    )`
  yield* sql.unsafe(`
    CREATE FUNCTION claim_delivery_ids(p_now timestamptz, p_limit integer, p_test_mode boolean, p_after_team integer)
    RETURNS bigint[]
    LANGUAGE plpgsql SET jit = off AS $fn$
    DECLARE
      v_ids bigint[];
      v_room integer;
      v_hour timestamptz := date_trunc('hour', p_now, 'UTC');
      v_teams integer[];
      v_caps bigint[];
      v_share integer;
      v_picked_ids bigint[];
      v_picked_teams integer[];
      v_picked_ranks integer[];
      v_grant_teams integer[];
      v_grants bigint[];
    BEGIN
      -- Claims whose lease ran out (their worker died), then transactional mail, oldest first.
      v_ids := ARRAY(
        SELECT d.id FROM deliveries d JOIN emails e ON e.id = d.email_id
        WHERE d.status = 'sending' AND d.lease_until < p_now AND e.test_mode = p_test_mode
        ORDER BY d.lease_until LIMIT p_limit
        FOR UPDATE OF d SKIP LOCKED);
      v_room := p_limit - cardinality(v_ids);
      IF v_room > 0 THEN
        v_ids := v_ids || ARRAY(
          SELECT d.id FROM deliveries d JOIN emails e ON e.id = d.email_id
          WHERE NOT d.bulk AND d.status IN ('queued', 'deferred', 'scheduled') AND d.next_attempt_at <= p_now
            AND e.test_mode = p_test_mode
          ORDER BY d.next_attempt_at LIMIT v_room
          FOR UPDATE OF d SKIP LOCKED);
        v_room := p_limit - cardinality(v_ids);
      END IF;
      IF v_room <= 0 THEN
        RETURN v_ids;
      END IF;

      -- The teams with bulk mail due, walked through the index one team at a time, in turn from
      -- the one after the last team the caller served; a team at its hourly rate is left out.
      WITH RECURSIVE walk(team_id) AS (
        (SELECT d.team_id FROM deliveries d
         WHERE d.bulk AND d.status IN ('queued', 'deferred', 'scheduled')
         ORDER BY d.team_id LIMIT 1)
        UNION ALL
        SELECT (SELECT d.team_id FROM deliveries d
                WHERE d.bulk AND d.status IN ('queued', 'deferred', 'scheduled') AND d.team_id > w.team_id
                ORDER BY d.team_id LIMIT 1)
        FROM walk w WHERE w.team_id IS NOT NULL
      ),
      eligible AS (
        SELECT w.team_id, p.bulk_hourly_limit AS cap
        FROM walk w
        LEFT JOIN team_billing b ON b.team_id = w.team_id
        LEFT JOIN plans p ON p.id = b.plan_id
        LEFT JOIN bulk_sending_hours h ON h.team_id = w.team_id AND h.hour = v_hour
        WHERE w.team_id IS NOT NULL
          AND (p_test_mode OR p.bulk_hourly_limit IS NULL OR coalesce(h.claimed, 0) < p.bulk_hourly_limit)
          AND (SELECT min(d.next_attempt_at) FROM deliveries d
               WHERE d.bulk AND d.status IN ('queued', 'deferred', 'scheduled') AND d.team_id = w.team_id) <= p_now
      )
      SELECT array_agg(team_id ORDER BY team_id <= coalesce(p_after_team, 0), team_id),
             array_agg(cap ORDER BY team_id <= coalesce(p_after_team, 0), team_id)
      INTO v_teams, v_caps FROM eligible;
      IF v_teams IS NULL THEN
        RETURN v_ids;
      END IF;

      -- An equal share of the room for each team, each team's oldest due rows, taken in rounds
      -- (every team's first, then every team's second...) so a cut falls on the last in turn.
      v_share := ceil(v_room::numeric / cardinality(v_teams));
      SELECT array_agg(s.id), array_agg(s.team_id), array_agg(s.rank)
      INTO v_picked_ids, v_picked_teams, v_picked_ranks
      FROM (
        SELECT due.id, t.team_id, due.rank
        FROM unnest(v_teams) WITH ORDINALITY AS t(team_id, pos)
        CROSS JOIN LATERAL (
          SELECT x.id, (row_number() OVER ())::integer AS rank FROM (
            SELECT d.id FROM deliveries d JOIN emails e ON e.id = d.email_id
            WHERE d.bulk AND d.status IN ('queued', 'deferred', 'scheduled') AND d.team_id = t.team_id
              AND d.next_attempt_at <= p_now AND e.test_mode = p_test_mode
            ORDER BY d.next_attempt_at, d.id LIMIT v_share
            FOR UPDATE OF d SKIP LOCKED
          ) x
        ) due
        ORDER BY due.rank, t.pos
        LIMIT v_room
      ) s;
      IF v_picked_ids IS NULL THEN
        RETURN v_ids;
      END IF;

      IF NOT p_test_mode AND EXISTS (
        SELECT 1 FROM unnest(v_teams, v_caps) AS u(team_id, cap)
        WHERE u.cap IS NOT NULL AND u.team_id = ANY (v_picked_teams)
      ) THEN
        -- The counts of the teams with a rate, read under their lock: a claim at the same moment
        -- waits here for this one's count. Each team gets what is left of its rate this hour.
        INSERT INTO bulk_sending_hours (team_id, hour)
        SELECT DISTINCT u.team_id, v_hour FROM unnest(v_teams, v_caps) AS u(team_id, cap)
        WHERE u.cap IS NOT NULL AND u.team_id = ANY (v_picked_teams)
        ORDER BY 1
        ON CONFLICT (team_id, hour) DO NOTHING;
        WITH locked AS (
          SELECT h.team_id, h.claimed, u.cap FROM bulk_sending_hours h
          JOIN unnest(v_teams, v_caps) AS u(team_id, cap) ON u.team_id = h.team_id
          WHERE h.hour = v_hour AND u.cap IS NOT NULL AND h.team_id = ANY (v_picked_teams)
          ORDER BY h.team_id
          FOR UPDATE OF h
        ),
        wanted AS (
          SELECT p.team_id, count(*) AS n FROM unnest(v_picked_teams) AS p(team_id) GROUP BY p.team_id
        ),
        granted AS (
          SELECT l.team_id, greatest(0, least(w.n, l.cap - l.claimed)) AS n
          FROM locked l JOIN wanted w ON w.team_id = l.team_id
        ),
        counted AS (
          UPDATE bulk_sending_hours h SET claimed = h.claimed + g.n
          FROM granted g WHERE h.team_id = g.team_id AND h.hour = v_hour AND g.n > 0
        )
        SELECT array_agg(g.team_id), array_agg(g.n) INTO v_grant_teams, v_grants FROM granted g;
        DELETE FROM bulk_sending_hours h WHERE h.team_id = ANY (v_grant_teams) AND h.hour < v_hour;
      END IF;

      RETURN v_ids || ARRAY(
        SELECT p.id FROM unnest(v_picked_ids, v_picked_teams, v_picked_ranks) AS p(id, team_id, rank)
        LEFT JOIN unnest(v_grant_teams, v_grants) AS g(team_id, n) ON g.team_id = p.team_id
        WHERE g.team_id IS NULL OR p.rank <= g.n);
    END
    $fn$`)
  yield* sql.unsafe(`
    CREATE FUNCTION uncount_bulk_claims() RETURNS trigger
    LANGUAGE plpgsql AS $fn$
    BEGIN
      UPDATE bulk_sending_hours h SET claimed = greatest(0, h.claimed - r.n)
      FROM (
        SELECT n.team_id, count(*) AS n FROM changed n JOIN previous o ON o.id = n.id
        WHERE n.bulk AND o.status = 'sending' AND n.status = 'queued' AND n.attempts < o.attempts
        GROUP BY n.team_id ORDER BY n.team_id
      ) r
      WHERE h.team_id = r.team_id AND h.hour = date_trunc('hour', now(), 'UTC');
      RETURN NULL;
    END
    $fn$`)
  yield* sql.unsafe(`
    CREATE TRIGGER deliveries_uncount_bulk_claims AFTER UPDATE ON deliveries
    REFERENCING OLD TABLE AS previous NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION uncount_bulk_claims()`)
})
