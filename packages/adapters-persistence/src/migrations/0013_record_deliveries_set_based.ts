import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * `insert_email_events` looks up each event's email by key, and `record_deliveries` becomes
 * set-based statements, as `accept_emails` became in 0012: one UPDATE for
 * the batch's deliveries, one call of `insert_email_events` for all their events, one INSERT of
 * suppressions and one UPDATE of the emails' statuses, where it ran four or five statements per
 * delivery (about 3 ms of PostgreSQL per call of three or four deliveries in bench:delivery).
 * Deliveries no longer held by that claim are skipped as before. An email's status is summed up
 * once all of the batch's deliveries are settled; it is `complained` when any of them reports a
 * complaint.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // As in 0010, but each event's email is looked up by its key: joined as a set, the planner took
  // the JSON input for 100 rows and scanned the whole emails table on every call while it was
  // smaller than some tens of thousands of rows.
  yield* sql`
    CREATE OR REPLACE FUNCTION insert_email_events(p_events jsonb) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(p_events) AS x(email_id bigint, delivery_id bigint, event_type text,
          metadata jsonb, ua_client_name text, ua_client_type text, ua_os text, ua_device_type text,
          client_network text, is_prefetch boolean, created_at timestamptz)
      ), stored AS (
        INSERT INTO email_events (email_id, delivery_id, event_type, metadata, ua_client_name, ua_client_type, ua_os,
                                  ua_device_type, client_network, is_prefetch, created_at)
        SELECT email_id, delivery_id, event_type, metadata, ua_client_name, ua_client_type, ua_os, ua_device_type,
               client_network, coalesce(is_prefetch, false), coalesce(created_at, now()) FROM input
        RETURNING id, email_id, event_type, metadata, created_at
      )
      INSERT INTO events (team_id, type, payload, created_at)
      SELECT e.team_id, 'email.' || s.event_type,
        jsonb_build_object(
          'email_id', e.public_id,
          'from', CASE WHEN e.from_name IS NULL THEN e.from_address
                       ELSE e.from_name || ' <' || e.from_address || '>' END,
          'to', to_jsonb(e.to_addresses),
          'subject', e.subject,
          'tags', to_jsonb(e.tags),
          'test_mode', e.test_mode,
          'created_at', s.created_at
        ) || coalesce(s.metadata, '{}'::jsonb),
        -- The outbox row is written now, even for an event that happened earlier.
        now()
      FROM stored s
      -- OFFSET 0 keeps the lookup per event (a join the planner cannot turn into a scan).
      CROSS JOIN LATERAL (SELECT * FROM emails WHERE id = s.email_id OFFSET 0) e
      ORDER BY s.id;
    END
    $$`
  yield* sql`
    CREATE OR REPLACE FUNCTION record_deliveries(p_results jsonb, p_precedence text[], p_none text) RETURNS void
    LANGUAGE plpgsql
    -- As in 0012: the planner's guesses for JSON input would otherwise make it compile the plan.
    SET jit = off
    AS $$
    DECLARE
      v_events jsonb;
      v_suppress jsonb;
      v_emails bigint[];
      v_complained boolean[];
      v_sent boolean[];
    BEGIN
      -- The emails' rows are locked first, in one order for every worker, so the copies of one email
      -- record one at a time and each sees the others' outcomes when its email's status is summed up.
      -- Arrays, not IN (subquery): the planner takes JSON input for 100 rows and would scan the
      -- whole deliveries table rather than look each one up.
      PERFORM 1 FROM emails
      WHERE id = ANY (ARRAY(SELECT d.email_id FROM deliveries d
                            WHERE d.id = ANY (ARRAY(SELECT (x->>'id')::bigint FROM jsonb_array_elements(p_results) x))))
      ORDER BY id FOR UPDATE;

      WITH input AS (
        SELECT x.*, t.k
        FROM jsonb_array_elements(p_results) WITH ORDINALITY AS t(value, k),
          jsonb_to_record(t.value) AS x(id bigint, attempts integer, status text, reply text, mx text,
            next_attempt_at timestamptz, events jsonb, suppress_team integer, suppress_address text,
            suppress_reason text)
      ), settled AS (
        UPDATE deliveries d SET status = i.status,
          last_reply = coalesce(i.reply, d.last_reply), mx_host = coalesce(i.mx, d.mx_host),
          -- Back to queued means it was never tried (its destination was busy): not an attempt.
          attempts = CASE WHEN i.status = 'queued' THEN d.attempts - 1 ELSE d.attempts END,
          lease_until = NULL, next_attempt_at = coalesce(i.next_attempt_at, d.next_attempt_at),
          delivered_at = CASE WHEN i.status = 'delivered' THEN now() ELSE d.delivered_at END
        FROM input i
        -- Not ours any more: the lease ran out and another worker took it (every claim counts one
        -- more attempt than the claims before it), or it was settled already. Nothing is recorded.
        WHERE d.id = i.id AND d.status = 'sending' AND d.attempts = i.attempts
        RETURNING d.id, d.email_id, i.k, i.events, i.suppress_team, i.suppress_address, i.suppress_reason
      ), per_email AS (
        SELECT email_id, bool_or(events @> '[{"type": "complained"}]') AS complained,
          bool_or(events @> '[{"type": "sent"}]') AS sent
        FROM settled GROUP BY email_id
      )
      SELECT
        (SELECT jsonb_agg(jsonb_build_object('email_id', s.email_id, 'delivery_id', s.id,
                  'event_type', e.value->>'type', 'metadata', e.value->'metadata') ORDER BY s.k, e.n)
         FROM settled s, jsonb_array_elements(s.events) WITH ORDINALITY AS e(value, n)),
        (SELECT jsonb_agg(jsonb_build_object('team_id', s.suppress_team, 'email', s.suppress_address,
                  'reason', s.suppress_reason, 'source_email_id', s.email_id) ORDER BY s.k)
         FROM settled s WHERE s.suppress_address IS NOT NULL),
        (SELECT array_agg(email_id ORDER BY email_id) FROM per_email),
        (SELECT array_agg(complained ORDER BY email_id) FROM per_email),
        (SELECT array_agg(sent ORDER BY email_id) FROM per_email)
      INTO v_events, v_suppress, v_emails, v_complained, v_sent;

      IF v_events IS NOT NULL THEN
        PERFORM insert_email_events(v_events);
      END IF;
      IF v_suppress IS NOT NULL THEN
        INSERT INTO suppressions (team_id, email, reason, source_email_id)
        SELECT s.team_id, s.email, s.reason, s.source_email_id
        FROM jsonb_to_recordset(v_suppress) AS s(team_id integer, email text, reason text, source_email_id bigint)
        ON CONFLICT (team_id, lower(email)) DO NOTHING;
      END IF;
      -- A copy still waiting for its send time (a claim took only some of them) is yet to go.
      IF v_emails IS NOT NULL THEN
        UPDATE emails em SET
          status = CASE WHEN a.complained THEN 'complained' ELSE coalesce((
            SELECT p.status FROM unnest(p_precedence) WITH ORDINALITY AS p(status, n)
            WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.email_id = em.id
                            AND CASE WHEN d.status = 'scheduled' THEN 'queued' ELSE d.status END = p.status)
            ORDER BY p.n LIMIT 1), p_none) END,
          sent_at = CASE WHEN em.sent_at IS NULL AND a.sent THEN now() ELSE em.sent_at END
        FROM unnest(v_emails, v_complained, v_sent) AS a(email_id, complained, sent)
        WHERE em.id = a.email_id;
      END IF;
    END
    $$`
})
