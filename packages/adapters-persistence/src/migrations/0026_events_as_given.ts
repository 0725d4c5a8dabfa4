import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Webhook events are built and encoded once, in TypeScript (`WebhookEvent` in the domain), and
 * these functions store them as given: no payload is assembled in SQL any more.
 *
 * `insert_email_events` takes each event's history row (`event_type`, `metadata`) and its webhook
 * event (`team_id`, `type`, `payload`), so it no longer looks up the email. `record_deliveries`
 * passes the events of the deliveries it settles through unchanged. `accept_emails` takes the
 * email's public id, its recipients' statuses and its events from the caller, which reads the
 * suppression list before the call; the writes stay one statement per table for the batch.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE OR REPLACE FUNCTION insert_email_events(p_events jsonb) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      WITH input AS (
        SELECT x.*, t.k
        FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t(value, k),
          jsonb_to_record(t.value) AS x(email_id bigint, delivery_id bigint, event_type text, metadata jsonb,
            ua_client_name text, ua_client_type text, ua_os text, ua_device_type text, client_network text,
            is_prefetch boolean, created_at timestamptz, team_id integer, type text, payload jsonb)
      ), stored AS (
        INSERT INTO email_events (email_id, delivery_id, event_type, metadata, ua_client_name, ua_client_type, ua_os,
                                  ua_device_type, client_network, is_prefetch, created_at)
        SELECT email_id, delivery_id, event_type, metadata, ua_client_name, ua_client_type, ua_os, ua_device_type,
               client_network, coalesce(is_prefetch, false), created_at
        FROM input ORDER BY k
      )
      -- The outbox row is written now, even for an event that happened earlier.
      INSERT INTO events (team_id, type, payload, created_at)
      SELECT team_id, type, payload, now() FROM input ORDER BY k;
    END
    $$`
  yield* sql`
    CREATE OR REPLACE FUNCTION record_deliveries(p_results jsonb, p_precedence text[], p_none text) RETURNS void
    LANGUAGE plpgsql
    SET jit = off
    AS $$
    DECLARE
      v_events jsonb;
      v_suppress jsonb;
      v_emails bigint[];
      v_complained boolean[];
      v_sent boolean[];
    BEGIN
      -- As in 0013: the emails' rows are locked first, in one order for every worker.
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
          attempts = CASE WHEN i.status = 'queued' THEN d.attempts - 1 ELSE d.attempts END,
          lease_until = NULL, next_attempt_at = coalesce(i.next_attempt_at, d.next_attempt_at),
          delivered_at = CASE WHEN i.status = 'delivered' THEN now() ELSE d.delivered_at END
        FROM input i
        WHERE d.id = i.id AND d.status = 'sending' AND d.attempts = i.attempts
        RETURNING d.id, d.email_id, i.k, i.events, i.suppress_team, i.suppress_address, i.suppress_reason
      ), per_email AS (
        SELECT email_id, bool_or(events @> '[{"event_type": "complained"}]') AS complained,
          bool_or(events @> '[{"event_type": "sent"}]') AS sent
        FROM settled GROUP BY email_id
      )
      SELECT
        -- Each event as the caller encoded it, with the keys of the row it belongs to.
        (SELECT jsonb_agg(e.value || jsonb_build_object('email_id', s.email_id, 'delivery_id', s.id) ORDER BY s.k, e.n)
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
          raw_mime, created_at)
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
          decode(item->>'raw_mime', 'base64'), i.created_at
        FROM items i
        ORDER BY i.n
        ON CONFLICT (team_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id, public_id, team_id
      ), accepted AS (
        SELECT e.id, e.public_id, e.team_id, i.n, i.item, i.created_at FROM new_email e JOIN items i USING (public_id)
      ), new_deliveries AS (
        INSERT INTO deliveries (email_id, team_id, recipient, kind, status, suppression_reason, next_attempt_at)
        SELECT a.id, a.team_id, r.address, a.item->'kinds'->>(r.k - 1)::integer,
          a.item->'statuses'->>(r.k - 1)::integer, a.item->'suppression_reasons'->>(r.k - 1)::integer,
          (a.item->>'first_attempt_at')::timestamptz
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
        SELECT a.n, a.id AS email_id, a.team_id, a.created_at, e.m, e.value
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
        SELECT g.team_id, g.value->>'type', g.value->'payload', g.created_at FROM given g ORDER BY g.n, g.m
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
})
