import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Accepting an email as one server-side function: PL/pgSQL keeps the parsed and planned
 * statements per connection, where the same statement sent as text was parsed and planned again
 * for every email (about half of the database's CPU per accepted email). It reads the team's
 * suppression list in the same transaction, so the caller needs no lookup of its own.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE FUNCTION accept_email(
      p_team_id integer, p_api_key_id integer, p_domain_id integer, p_domain_name text,
      p_from_address text, p_from_name text, p_to text[], p_cc text[], p_bcc text[], p_recipients text[],
      p_kinds text[], p_reply_to text[],
      p_subject text, p_html text, p_text text, p_headers jsonb, p_tags text[], p_message_id text,
      p_test_mode boolean, p_unsubscribe boolean, p_track_opens boolean, p_track_clicks boolean,
      p_idempotency_key text, p_request_hash text, p_scheduled_at timestamptz, p_raw_mime bytea,
      p_attachment_names text[], p_attachment_types text[], p_attachment_ids text[],
      p_attachment_contents bytea[], p_summary jsonb, p_first_event jsonb, p_first_attempt_at timestamptz,
      p_status_all_suppressed text, p_status_otherwise text
    ) RETURNS TABLE (accepted_id text, accepted_hash text, created boolean)
    LANGUAGE plpgsql AS $$
    DECLARE
      v_queued text := CASE WHEN p_scheduled_at IS NULL THEN 'queued' ELSE 'scheduled' END;
      v_reasons text[];
      v_entries integer[];
    BEGIN
      -- Each recipient's suppression entry (reason and id), or NULL, in recipient order.
      SELECT array_agg(s.reason ORDER BY r.n), array_agg(s.id ORDER BY r.n) INTO v_reasons, v_entries
      FROM unnest(p_recipients) WITH ORDINALITY AS r(address, n)
      LEFT JOIN suppressions s ON s.team_id = p_team_id AND lower(s.email) = lower(r.address);

      RETURN QUERY
      WITH new_email AS (
        INSERT INTO emails (public_id, team_id, api_key_id, domain_id, from_address, from_name, to_addresses,
          cc_addresses, bcc_addresses, reply_to, subject, html_body, text_body, headers, tags, message_id, status,
          test_mode, unsubscribe_enabled, track_opens, track_clicks, idempotency_key, request_hash, scheduled_at,
          raw_mime)
        VALUES ('em_' || replace(gen_random_uuid()::text, '-', ''), p_team_id, p_api_key_id, p_domain_id,
          p_from_address, p_from_name,
          p_to, p_cc, p_bcc,
          p_reply_to, p_subject, p_html, p_text, p_headers, p_tags,
          coalesce(p_message_id, '<' || gen_random_uuid()::text || '@' || p_domain_name || '>'),
          CASE WHEN array_position(v_reasons, NULL) IS NULL THEN p_status_all_suppressed ELSE p_status_otherwise END,
          p_test_mode, p_unsubscribe, p_track_opens, p_track_clicks, p_idempotency_key, p_request_hash,
          p_scheduled_at, p_raw_mime)
        ON CONFLICT (team_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id, public_id
      ), new_deliveries AS (
        INSERT INTO deliveries (email_id, team_id, recipient, kind, status, suppression_reason, next_attempt_at)
        SELECT new_email.id, p_team_id, r.address, r.kind,
          CASE WHEN r.reason IS NULL THEN v_queued ELSE 'suppressed' END, r.reason, p_first_attempt_at
        FROM new_email, unnest(p_recipients, p_kinds, v_reasons) WITH ORDINALITY AS r(address, kind, reason, n)
        ORDER BY r.n
        RETURNING id, email_id, recipient, status, suppression_reason
      ), new_attachments AS (
        INSERT INTO email_attachments (email_id, filename, content_type, content_id, content)
        SELECT new_email.id, a.filename, a.content_type, a.content_id, a.content
        FROM new_email, unnest(p_attachment_names, p_attachment_types, p_attachment_ids, p_attachment_contents)
          WITH ORDINALITY AS a(filename, content_type, content_id, content, n)
        ORDER BY a.n
      ), new_events AS (
        INSERT INTO email_events (email_id, delivery_id, event_type, metadata)
        SELECT new_email.id, NULL::bigint, v_queued, p_first_event
        FROM new_email
        UNION ALL
        SELECT d.email_id, d.id, 'suppressed',
          jsonb_build_object('recipient', d.recipient, 'reason', d.suppression_reason, 'suppression_id', s.id)
        FROM new_deliveries d
        -- The entry that stopped this recipient, named in the event.
        LEFT JOIN LATERAL (
          SELECT e.id FROM unnest(p_recipients, v_entries) AS e(address, id)
          WHERE e.address = d.recipient AND e.id IS NOT NULL LIMIT 1
        ) s ON true
        WHERE d.status = 'suppressed'
        RETURNING event_type, metadata, created_at
      ), outbox AS (
        INSERT INTO events (team_id, type, payload, created_at)
        SELECT p_team_id, 'email.' || ev.event_type,
          p_summary || jsonb_build_object('email_id', new_email.public_id, 'created_at', ev.created_at) || ev.metadata,
          ev.created_at
        FROM new_events ev, new_email
      )
      SELECT new_email.public_id, NULL::text, true FROM new_email;
      IF FOUND THEN
        RETURN;
      END IF;
      -- The key was taken, perhaps by a transaction that committed while this one waited: a new
      -- statement sees its row.
      RETURN QUERY
      SELECT e.public_id, e.request_hash, false FROM emails e
      WHERE e.team_id = p_team_id AND e.idempotency_key = p_idempotency_key;
    END
    $$`
})
