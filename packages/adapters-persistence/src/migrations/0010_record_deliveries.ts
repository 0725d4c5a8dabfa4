import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Writing events and settling deliveries as server-side functions, for the reason given in
 * `0009_accept_email`: PL/pgSQL keeps its plans per connection, and one call replaces a client-side
 * transaction of five statements and two more round trips (BEGIN and COMMIT) per delivery.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // Email events and, in the same statement, their `email.<type>` outbox twins that webhooks read.
  yield* sql`
    CREATE FUNCTION insert_email_events(p_events jsonb) RETURNS void
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
        RETURNING email_id, event_type, metadata, created_at
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
      FROM stored s JOIN emails e ON e.id = s.email_id;
    END
    $$`
  // Settles claims: each delivery's new state, its events, a suppression, and its email's status,
  // summed up from all of the email's deliveries with the precedence the domain passes in.
  yield* sql`
    CREATE FUNCTION record_deliveries(p_results jsonb, p_precedence text[], p_none text) RETURNS void
    LANGUAGE plpgsql AS $$
    DECLARE
      r record;
      v_email bigint;
      v_status text;
    BEGIN
      -- The emails' rows are locked first, in one order for every worker, so the copies of one email
      -- record one at a time and each sees the others' outcomes when its email's status is summed up.
      PERFORM 1 FROM emails
      WHERE id IN (SELECT d.email_id FROM deliveries d
                   WHERE d.id IN (SELECT (x->>'id')::bigint FROM jsonb_array_elements(p_results) x))
      ORDER BY id FOR UPDATE;
      FOR r IN
        SELECT * FROM jsonb_to_recordset(p_results) AS x(id bigint, attempts integer, status text, reply text,
          mx text, next_attempt_at timestamptz, events jsonb, suppress_team integer, suppress_address text,
          suppress_reason text)
      LOOP
        UPDATE deliveries d SET status = r.status,
          last_reply = coalesce(r.reply, d.last_reply), mx_host = coalesce(r.mx, d.mx_host),
          -- Back to queued means it was never tried (its destination was busy): not an attempt.
          attempts = CASE WHEN r.status = 'queued' THEN d.attempts - 1 ELSE d.attempts END,
          lease_until = NULL, next_attempt_at = coalesce(r.next_attempt_at, d.next_attempt_at),
          delivered_at = CASE WHEN r.status = 'delivered' THEN now() ELSE d.delivered_at END
        WHERE d.id = r.id AND d.status = 'sending' AND d.attempts = r.attempts
        RETURNING d.email_id INTO v_email;
        -- Not ours any more: the lease ran out and another worker took it (every claim counts one
        -- more attempt than the claims before it), or it was settled already. Nothing is recorded.
        CONTINUE WHEN v_email IS NULL;
        IF jsonb_array_length(r.events) > 0 THEN
          PERFORM insert_email_events((
            SELECT jsonb_agg(jsonb_build_object('email_id', v_email, 'delivery_id', r.id,
                                                'event_type', e->>'type', 'metadata', e->'metadata'))
            FROM jsonb_array_elements(r.events) e));
        END IF;
        IF r.suppress_address IS NOT NULL THEN
          INSERT INTO suppressions (team_id, email, reason, source_email_id)
          VALUES (r.suppress_team, r.suppress_address, r.suppress_reason, v_email)
          ON CONFLICT (team_id, lower(email)) DO NOTHING;
        END IF;
        -- A copy still waiting for its send time (a claim took only some of them) is yet to go.
        SELECT coalesce((
          SELECT p.status FROM unnest(p_precedence) WITH ORDINALITY AS p(status, n)
          WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.email_id = v_email
                          AND CASE WHEN d.status = 'scheduled' THEN 'queued' ELSE d.status END = p.status)
          ORDER BY p.n LIMIT 1), p_none) INTO v_status;
        UPDATE emails SET
          status = CASE WHEN r.events @> '[{"type": "complained"}]' THEN 'complained' ELSE v_status END,
          sent_at = CASE WHEN sent_at IS NULL AND r.events @> '[{"type": "sent"}]' THEN now() ELSE sent_at END
        WHERE id = v_email;
      END LOOP;
    END
    $$`
})
