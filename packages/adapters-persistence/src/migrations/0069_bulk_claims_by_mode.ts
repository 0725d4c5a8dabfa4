import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Bulk mail's queue index split by mode, so neither claim reads the other's rows.
 *
 * Test mode was a join to `emails`: the test-mode claim (every 250 ms) walked the team's whole
 * live bulk backlog through `deliveries_due_bulk`, reading each email to find it was not test
 * mode (136 ms per claim with 100,000 recipients waiting, half a core at four claims a second),
 * and a test-mode broadcast would have done the same to live claims. A bulk delivery now carries
 * its email's `test_mode` (the broadcast expansion writes it; rows that are not bulk keep
 * `false`, since the transactional queue does not use it), and each mode has its own partial
 * index: live bulk mail by team and due time as before (the walk over the teams and each team's
 * oldest rows), test-mode bulk mail by due time (simulated mail has no hourly rate and no share
 * between teams: the oldest due first).
 *
 * The live claim still checks `emails.test_mode` on the rows it picks: a bulk row written without
 * its mode is then never sent for real.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE deliveries ADD COLUMN test_mode boolean NOT NULL DEFAULT false`
  yield* sql`
    UPDATE deliveries d SET test_mode = true FROM emails e
    WHERE e.id = d.email_id AND e.test_mode AND d.bulk`
  yield* sql`
    CREATE INDEX deliveries_due_bulk_live ON deliveries (team_id, next_attempt_at, id)
    WHERE bulk AND NOT test_mode AND status IN ('queued', 'deferred', 'scheduled')`
  yield* sql`
    CREATE INDEX deliveries_due_bulk_test ON deliveries (next_attempt_at, id)
    WHERE bulk AND test_mode AND status IN ('queued', 'deferred', 'scheduled')`
  yield* sql`DROP INDEX IF EXISTS deliveries_due_bulk`
  yield* sql.unsafe(`
    CREATE OR REPLACE FUNCTION claim_delivery_ids(p_now timestamptz, p_limit integer, p_test_mode boolean, p_after_team integer)
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

      -- Test mode: simulated bulk mail, oldest due first, through its own index.
      IF p_test_mode THEN
        RETURN v_ids || ARRAY(
          SELECT d.id FROM deliveries d
          WHERE d.bulk AND d.test_mode AND d.status IN ('queued', 'deferred', 'scheduled')
            AND d.next_attempt_at <= p_now
          ORDER BY d.next_attempt_at, d.id LIMIT v_room
          FOR UPDATE OF d SKIP LOCKED);
      END IF;

      -- The teams with live bulk mail due, walked through the index one team at a time, in turn
      -- from the one after the last team the caller served; a team at its hourly rate is left out.
      WITH RECURSIVE walk(team_id) AS (
        (SELECT d.team_id FROM deliveries d
         WHERE d.bulk AND NOT d.test_mode AND d.status IN ('queued', 'deferred', 'scheduled')
         ORDER BY d.team_id LIMIT 1)
        UNION ALL
        SELECT (SELECT d.team_id FROM deliveries d
                WHERE d.bulk AND NOT d.test_mode AND d.status IN ('queued', 'deferred', 'scheduled')
                  AND d.team_id > w.team_id
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
          AND (p.bulk_hourly_limit IS NULL OR coalesce(h.claimed, 0) < p.bulk_hourly_limit)
          AND (SELECT min(d.next_attempt_at) FROM deliveries d
               WHERE d.bulk AND NOT d.test_mode AND d.status IN ('queued', 'deferred', 'scheduled')
                 AND d.team_id = w.team_id) <= p_now
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
            WHERE d.bulk AND NOT d.test_mode AND d.status IN ('queued', 'deferred', 'scheduled')
              AND d.team_id = t.team_id AND d.next_attempt_at <= p_now AND NOT e.test_mode
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

      IF EXISTS (
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
})
