import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Claims whose cost no longer grows with the backlog, found at 30,000 workflow runs
 * (bench/workflows.ts with auto_explain):
 *
 * - Transactional mail's queue index split by mode, as 0069 split bulk mail's. The test-mode claim
 *   (every 250 ms, mostly finding nothing) walked every live transactional delivery due through
 *   `deliveries_due_transactional`, reading each one's email to find it was not test mode: 20 ms
 *   a claim with 12,000 due, growing with the queue, and a test-mode backlog would do the same to
 *   live claims. `accept_emails` now writes each delivery's `test_mode` (as the broadcast
 *   expansion does since 0069), deliveries still waiting get theirs from their email here, and each
 *   mode has its own partial index. The live claim still checks `emails.test_mode` on the rows it
 *   picks: a row written without its mode is then never sent for real.
 * - `due_workflow_run_ids`: the workflow runs a claim takes, oldest due first. As one subquery of
 *   the claim, with statistics that lagged a table filling from an import, the planner read every
 *   due run (a bitmap scan of `workflow_runs_due` and of the workflow's runs), sorted them all and
 *   kept the first 50: 3,000 rows and 15 ms a claim, growing with the backlog. In a function
 *   without bitmap or sequential scans it walks `workflow_runs_due` in order and stops at the
 *   limit.
 *
 * `accept_emails` (as 0028 left it) and `claim_delivery_ids` (as 0069 and 0081 left it) are
 * redefined unchanged but for the above.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    UPDATE deliveries d SET test_mode = true FROM emails e
    WHERE e.id = d.email_id AND e.test_mode AND NOT d.test_mode AND NOT d.bulk
      AND d.status IN ('queued', 'deferred', 'scheduled', 'sending')`
  yield* sql`
    CREATE INDEX deliveries_due_transactional_live ON deliveries (next_attempt_at)
    WHERE NOT bulk AND NOT test_mode AND status IN ('queued', 'deferred', 'scheduled')`
  yield* sql`
    CREATE INDEX deliveries_due_transactional_test ON deliveries (next_attempt_at)
    WHERE NOT bulk AND test_mode AND status IN ('queued', 'deferred', 'scheduled')`
  yield* sql`DROP INDEX IF EXISTS deliveries_due_transactional`
  yield* sql.unsafe(`
    CREATE OR REPLACE FUNCTION accept_emails(p_items jsonb)
    RETURNS TABLE (n integer, accepted_id text, accepted_hash text, created boolean)
    LANGUAGE plpgsql
    -- As in 0012: compiling the plan would take longer than running it.
    SET jit = off
    AS $$
    DECLARE
      v_created integer[];
      v_ids text[];
    BEGIN
      WITH items AS (
        SELECT (t.k - 1)::integer AS n, t.item, t.item->>'public_id' AS public_id,
          (t.item->>'team_id')::integer AS team_id, (t.item->>'created_at')::timestamptz AS created_at
        FROM jsonb_array_elements(p_items) WITH ORDINALITY AS t(item, k)
      ), new_email AS (
        INSERT INTO emails (public_id, team_id, api_key_id, domain_id, from_address, from_name, to_addresses,
          cc_addresses, bcc_addresses, reply_to, subject, html_body, text_body, headers, tags, message_id, status,
          test_mode, unsubscribe_enabled, track_opens, track_clicks, idempotency_key, request_hash, scheduled_at,
          raw_mime, created_at, system)
        SELECT i.public_id, i.team_id, (item->>'api_key_id')::integer, (item->>'domain_id')::integer,
          item->>'from_address', item->>'from_name',
          ARRAY(SELECT x FROM jsonb_array_elements_text(item->'to') WITH ORDINALITY AS a(x, k) ORDER BY k),
          ARRAY(SELECT x FROM jsonb_array_elements_text(item->'cc') WITH ORDINALITY AS a(x, k) ORDER BY k),
          ARRAY(SELECT x FROM jsonb_array_elements_text(item->'bcc') WITH ORDINALITY AS a(x, k) ORDER BY k),
          ARRAY(SELECT x FROM jsonb_array_elements_text(item->'reply_to') WITH ORDINALITY AS a(x, k) ORDER BY k),
          item->>'subject', item->>'html', item->>'text', item->'headers',
          ARRAY(SELECT x FROM jsonb_array_elements_text(item->'tags') WITH ORDINALITY AS a(x, k) ORDER BY k),
          coalesce(item->>'message_id', '<' || gen_random_uuid()::text || '@' || (item->>'domain_name') || '>'),
          item->>'status', (item->>'test_mode')::boolean, (item->>'unsubscribe')::boolean,
          (item->>'track_opens')::boolean, (item->>'track_clicks')::boolean,
          item->>'idempotency_key', item->>'request_hash', (item->>'scheduled_at')::timestamptz,
          decode(item->>'raw_mime', 'base64'), i.created_at, coalesce((item->>'system')::boolean, false)
        FROM items i
        ORDER BY i.n
        ON CONFLICT (team_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id, public_id, team_id
      ), accepted AS (
        SELECT e.id, e.public_id, e.team_id, i.n, i.item, i.created_at FROM new_email e JOIN items i USING (public_id)
      ), new_deliveries AS (
        INSERT INTO deliveries (email_id, team_id, recipient, kind, status, suppression_reason, next_attempt_at,
          test_mode)
        SELECT a.id, a.team_id, r.address, a.item->'kinds'->>(r.k - 1)::integer,
          a.item->'statuses'->>(r.k - 1)::integer, a.item->'suppression_reasons'->>(r.k - 1)::integer,
          (a.item->>'first_attempt_at')::timestamptz, coalesce((a.item->>'test_mode')::boolean, false)
        FROM accepted a
        CROSS JOIN LATERAL jsonb_array_elements_text(a.item->'recipients') WITH ORDINALITY AS r(address, k)
        ORDER BY a.n, r.k
        RETURNING id, email_id, recipient
      ), new_attachments AS (
        INSERT INTO email_attachments (email_id, filename, content_type, content_id, content)
        SELECT a.id, f.filename, a.item->'attachment_types'->>(f.k - 1)::integer,
          a.item->'attachment_ids'->>(f.k - 1)::integer,
          decode(a.item->'attachment_contents'->>(f.k - 1)::integer, 'base64')
        FROM accepted a
        CROSS JOIN LATERAL jsonb_array_elements_text(a.item->'attachment_names') WITH ORDINALITY AS f(filename, k)
        ORDER BY a.n, f.k
      ), given AS (
        SELECT a.n, a.id AS email_id, a.team_id, a.created_at, e.m, e.value,
          coalesce((a.item->>'system')::boolean, false) AS system
        FROM accepted a CROSS JOIN LATERAL jsonb_array_elements(a.item->'events') WITH ORDINALITY AS e(value, m)
      ), new_events AS (
        INSERT INTO email_events (email_id, delivery_id, event_type, metadata, created_at)
        SELECT g.email_id, d.id, g.value->>'event_type', g.value->'metadata', g.created_at
        FROM given g
        -- A recipient's event (a suppressed one) names its delivery.
        LEFT JOIN LATERAL (
          SELECT d.id FROM new_deliveries d
          WHERE d.email_id = g.email_id AND d.recipient = g.value->>'recipient' ORDER BY d.id LIMIT 1
        ) d ON true
        ORDER BY g.n, g.m
      ), outbox AS (
        INSERT INTO events (team_id, type, payload, created_at)
        SELECT g.team_id, g.value->>'type', g.value->'payload', g.created_at FROM given g
        -- System mail's events stay in its history: no webhook or channel of the team hears of it.
        WHERE NOT g.system
        ORDER BY g.n, g.m
      )
      SELECT array_agg(a.n), array_agg(a.public_id) INTO v_created, v_ids FROM accepted a;

      RETURN QUERY SELECT c.n, c.id, NULL::text, true FROM unnest(v_created, v_ids) AS c(n, id) WHERE c.n IS NOT NULL;
      -- As in 0012: the others' keys were taken; a new statement sees those rows.
      RETURN QUERY
      SELECT (t.k - 1)::integer, e.public_id, e.request_hash, false
      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS t(item, k)
      CROSS JOIN LATERAL (
        SELECT public_id, request_hash FROM emails
        WHERE team_id = (t.item->>'team_id')::integer AND idempotency_key = t.item->>'idempotency_key'
        OFFSET 0
      ) e
      WHERE t.item->>'idempotency_key' IS NOT NULL AND (t.k - 1)::integer <> ALL (coalesce(v_created, '{}'));
    END
    $$`)
  yield* sql.unsafe(`
    CREATE OR REPLACE FUNCTION claim_delivery_ids(p_now timestamptz, p_limit integer, p_test_mode boolean, p_after_team integer)
    RETURNS bigint[]
    -- As 0081 set it: the due indexes are walked in order up to the limit, never read whole.
    LANGUAGE plpgsql SET jit = off SET enable_bitmapscan = off AS $fn$
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
      -- Each mode through its own index (the mode written as a constant, so a kept plan uses it).
      IF v_room > 0 AND p_test_mode THEN
        v_ids := v_ids || ARRAY(
          SELECT d.id FROM deliveries d JOIN emails e ON e.id = d.email_id
          WHERE NOT d.bulk AND d.test_mode AND d.status IN ('queued', 'deferred', 'scheduled')
            AND d.next_attempt_at <= p_now AND e.test_mode
          ORDER BY d.next_attempt_at LIMIT v_room
          FOR UPDATE OF d SKIP LOCKED);
        v_room := p_limit - cardinality(v_ids);
      ELSIF v_room > 0 THEN
        v_ids := v_ids || ARRAY(
          SELECT d.id FROM deliveries d JOIN emails e ON e.id = d.email_id
          WHERE NOT d.bulk AND NOT d.test_mode AND d.status IN ('queued', 'deferred', 'scheduled')
            AND d.next_attempt_at <= p_now AND NOT e.test_mode
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
  yield* sql`
    CREATE FUNCTION due_workflow_run_ids(p_limit integer) RETURNS bigint[]
    LANGUAGE plpgsql SET jit = off SET enable_bitmapscan = off SET enable_seqscan = off AS $$
    BEGIN
      RETURN ARRAY(
        SELECT q.id FROM workflow_runs q
        WHERE q.status = 'running' AND q.due_at <= now()
          AND (q.lease_until IS NULL OR q.lease_until < now())
          AND EXISTS (SELECT 1 FROM workflows w WHERE w.id = q.workflow_id AND w.status = 'active')
        ORDER BY q.due_at LIMIT p_limit
        FOR UPDATE OF q SKIP LOCKED);
    END
    $$`
})
