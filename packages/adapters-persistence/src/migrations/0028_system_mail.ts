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
 * `accept_emails` and `insert_email_events` (as 0026 left them) are redefined unchanged but for `system`.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // A constant default: PostgreSQL adds the column without rewriting the table.
  yield* sql`ALTER TABLE emails ADD COLUMN system boolean NOT NULL DEFAULT false`
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
      SELECT team_id, type, payload, now() FROM input
      -- Whoever recorded it, a system mail's event stays out of the outbox: the check is here, on the
      -- row, so no path can forget it (one primary-key probe per event).
      WHERE NOT EXISTS (SELECT 1 FROM emails e WHERE e.id = input.email_id AND e.system)
      ORDER BY k;
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
