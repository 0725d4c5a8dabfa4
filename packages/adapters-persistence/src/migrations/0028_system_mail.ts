import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * System mail (verification, reset and invitation links, security notices) is stored as an email of
 * the operator's team so the worker delivers it, marked `system` in the statement that accepts it.
 * Team reads leave it out (in the adapter). Here: its events are kept in `email_events` for the
 * worker's bookkeeping but never reach the outbox (`events`), so no webhook or notification channel
 * of that team hears of it; and once none of its deliveries is waiting any more, its bodies (which
 * hold the links) are wiped, so a dump taken after delivery holds no live link.
 *
 * `accept_emails` (0012) and `insert_email_events` (0013) are redefined unchanged but for `system`.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // A constant default: PostgreSQL adds the column without rewriting the table.
  yield* sql`ALTER TABLE emails ADD COLUMN system boolean NOT NULL DEFAULT false`
  yield* sql.unsafe(`
    CREATE OR REPLACE FUNCTION accept_emails(p_items jsonb)
    RETURNS TABLE (n integer, accepted_id text, accepted_hash text, created boolean)
    LANGUAGE plpgsql
    -- The planner guesses 100 rows per JSON array, which puts the plan past jit_above_cost: compiling
    -- it would take longer than running it.
    SET jit = off
    AS $$
    DECLARE
      v_created integer[];
      v_ids text[];
    BEGIN
      WITH items AS (
        SELECT (t.k - 1)::integer AS n, t.item,
          'em_' || replace(gen_random_uuid()::text, '-', '') AS public_id,
          (t.item->>'team_id')::integer AS team_id,
          CASE WHEN t.item->>'scheduled_at' IS NULL THEN 'queued' ELSE 'scheduled' END AS first_status
        FROM jsonb_array_elements(p_items) WITH ORDINALITY AS t(item, k)
      ), recipients AS (
        -- Each recipient with the suppression entry that stops it, if any.
        SELECT i.n, r.k, r.address, i.item->'kinds'->>(r.k - 1)::integer AS kind, s.reason, s.id AS suppression_id
        FROM items i
        CROSS JOIN LATERAL jsonb_array_elements_text(i.item->'recipients') WITH ORDINALITY AS r(address, k)
        LEFT JOIN LATERAL (
          SELECT s.reason, s.id FROM suppressions s
          WHERE s.team_id = i.team_id AND lower(s.email) = lower(r.address) LIMIT 1
        ) s ON true
      ), new_email AS (
        INSERT INTO emails (public_id, team_id, api_key_id, domain_id, from_address, from_name, to_addresses,
          cc_addresses, bcc_addresses, reply_to, subject, html_body, text_body, headers, tags, message_id, status,
          test_mode, unsubscribe_enabled, track_opens, track_clicks, idempotency_key, request_hash, scheduled_at,
          raw_mime, system)
        SELECT i.public_id, i.team_id, (item->>'api_key_id')::integer, (item->>'domain_id')::integer,
          item->>'from_address', item->>'from_name',
          ARRAY(SELECT x FROM jsonb_array_elements_text(item->'to') WITH ORDINALITY AS a(x, k) ORDER BY k),
          ARRAY(SELECT x FROM jsonb_array_elements_text(item->'cc') WITH ORDINALITY AS a(x, k) ORDER BY k),
          ARRAY(SELECT x FROM jsonb_array_elements_text(item->'bcc') WITH ORDINALITY AS a(x, k) ORDER BY k),
          ARRAY(SELECT x FROM jsonb_array_elements_text(item->'reply_to') WITH ORDINALITY AS a(x, k) ORDER BY k),
          item->>'subject', item->>'html', item->>'text', item->'headers',
          ARRAY(SELECT x FROM jsonb_array_elements_text(item->'tags') WITH ORDINALITY AS a(x, k) ORDER BY k),
          coalesce(item->>'message_id', '<' || gen_random_uuid()::text || '@' || (item->>'domain_name') || '>'),
          CASE WHEN EXISTS (SELECT 1 FROM recipients r WHERE r.n = i.n AND r.reason IS NULL)
            THEN item->>'status_otherwise' ELSE item->>'status_all_suppressed' END,
          (item->>'test_mode')::boolean, (item->>'unsubscribe')::boolean,
          (item->>'track_opens')::boolean, (item->>'track_clicks')::boolean,
          item->>'idempotency_key', item->>'request_hash', (item->>'scheduled_at')::timestamptz,
          decode(item->>'raw_mime', 'base64'), coalesce((item->>'system')::boolean, false)
        FROM items i
        ORDER BY i.n
        ON CONFLICT (team_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id, public_id, team_id
      ), accepted AS (
        SELECT e.id, e.public_id, e.team_id, i.n, i.item, i.first_status FROM new_email e JOIN items i USING (public_id)
      ), new_deliveries AS (
        INSERT INTO deliveries (email_id, team_id, recipient, kind, status, suppression_reason, next_attempt_at)
        SELECT a.id, a.team_id, r.address, r.kind,
          CASE WHEN r.reason IS NULL THEN a.first_status ELSE 'suppressed' END, r.reason,
          (a.item->>'first_attempt_at')::timestamptz
        FROM accepted a JOIN recipients r ON r.n = a.n
        ORDER BY a.n, r.k
        RETURNING id, email_id, recipient, status, suppression_reason
      ), new_attachments AS (
        INSERT INTO email_attachments (email_id, filename, content_type, content_id, content)
        SELECT a.id, f.filename, a.item->'attachment_types'->>(f.k - 1)::integer,
          a.item->'attachment_ids'->>(f.k - 1)::integer,
          decode(a.item->'attachment_contents'->>(f.k - 1)::integer, 'base64')
        FROM accepted a
        CROSS JOIN LATERAL jsonb_array_elements_text(a.item->'attachment_names') WITH ORDINALITY AS f(filename, k)
        ORDER BY a.n, f.k
      ), new_events AS (
        INSERT INTO email_events (email_id, delivery_id, event_type, metadata)
        SELECT ev.email_id, ev.delivery_id, ev.event_type, ev.metadata FROM (
          SELECT a.n, 0::bigint AS seq, a.id AS email_id, NULL::bigint AS delivery_id, a.first_status AS event_type,
            a.item->'first_event' AS metadata
          FROM accepted a
          UNION ALL
          SELECT a.n, d.id, d.email_id, d.id, 'suppressed',
            jsonb_build_object('recipient', d.recipient, 'reason', d.suppression_reason, 'suppression_id', s.suppression_id)
          FROM new_deliveries d
          JOIN accepted a ON a.id = d.email_id
          -- The entry that stopped this recipient, named in the event.
          LEFT JOIN LATERAL (
            SELECT r.suppression_id FROM recipients r
            WHERE r.n = a.n AND r.address = d.recipient AND r.suppression_id IS NOT NULL LIMIT 1
          ) s ON true
          WHERE d.status = 'suppressed'
        ) ev
        ORDER BY ev.n, ev.seq
        RETURNING id, email_id, event_type, metadata, created_at
      ), outbox AS (
        INSERT INTO events (team_id, type, payload, created_at)
        SELECT a.team_id, 'email.' || ev.event_type,
          (a.item->'summary') || jsonb_build_object('email_id', a.public_id, 'created_at', ev.created_at) || ev.metadata,
          ev.created_at
        FROM new_events ev JOIN accepted a ON a.id = ev.email_id
        -- System mail's events stay in its history: no webhook or channel of the team hears of it.
        WHERE NOT coalesce((a.item->>'system')::boolean, false)
        ORDER BY ev.id
      )
      SELECT array_agg(a.n), array_agg(a.public_id) INTO v_created, v_ids FROM accepted a;

      RETURN QUERY SELECT c.n, c.id, NULL::text, true FROM unnest(v_created, v_ids) AS c(n, id) WHERE c.n IS NOT NULL;
      -- The others' keys were taken, perhaps by a transaction that committed while this one waited, or
      -- by an earlier item of this call: a new statement sees those rows.
      RETURN QUERY
      SELECT (t.k - 1)::integer, e.public_id, e.request_hash, false
      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS t(item, k)
      -- Looked up one by one (OFFSET 0 keeps it so): as a join, the planner would read the whole
      -- idempotency index.
      CROSS JOIN LATERAL (
        SELECT public_id, request_hash FROM emails
        WHERE team_id = (t.item->>'team_id')::integer AND idempotency_key = t.item->>'idempotency_key'
        OFFSET 0
      ) e
      WHERE t.item->>'idempotency_key' IS NOT NULL AND (t.k - 1)::integer <> ALL (coalesce(v_created, '{}'));
    END
    $$`)
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
      WHERE NOT e.system
      ORDER BY s.id;
    END
    $$`
  // On the row itself rather than in the worker: every path that settles an email's deliveries (an
  // outcome recorded, a cancel) then writes its status, so none can forget. The WHEN clause keeps
  // the cost off every other email. (A system mail suppressed at acceptance keeps its body: no
  // status is written after it.)
  yield* sql`
    CREATE FUNCTION wipe_settled_system_mail() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT EXISTS (
        SELECT 1 FROM deliveries
        WHERE email_id = NEW.id AND status IN ('queued', 'scheduled', 'sending', 'deferred')
      ) THEN
        NEW.html_body := NULL;
        NEW.text_body := NULL;
        NEW.raw_mime := NULL;
      END IF;
      RETURN NEW;
    END
    $$`
  yield* sql`
    CREATE TRIGGER wipe_settled_system_mail BEFORE UPDATE OF status ON emails
    FOR EACH ROW
    WHEN (NEW.system AND (NEW.html_body IS NOT NULL OR NEW.text_body IS NOT NULL OR NEW.raw_mime IS NOT NULL))
    EXECUTE FUNCTION wipe_settled_system_mail()`
})
