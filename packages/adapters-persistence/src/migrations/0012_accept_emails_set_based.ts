import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * `accept_emails` as set-based statements: one INSERT per table for the whole batch instead of
 * `accept_email`'s statements once per email. Starting a statement's executor cost about as much as
 * the rows it wrote (a batch of five: about twice the batches per second in pgbench). The contract
 * is unchanged: one row per item, taken in order, so an item whose idempotency key an earlier item
 * of the same call took finds that email.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
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
          raw_mime)
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
          decode(item->>'raw_mime', 'base64')
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
  yield* sql`DROP FUNCTION accept_email`
})
