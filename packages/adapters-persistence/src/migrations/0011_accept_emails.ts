import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Accepting several emails in one call and one transaction (group commit: see `GroupCommit`).
 * Each item is the arguments of `accept_email` as JSON, taken in order; an item whose idempotency
 * key an earlier item of the same call took finds that email, as it would one committed before.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // PL/pgSQL rather than SQL, so that its plan is kept per connection like the others'.
  yield* sql`
    CREATE FUNCTION jsonb_texts(p jsonb) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN
      RETURN (SELECT coalesce(array_agg(x ORDER BY n), '{}') FROM jsonb_array_elements_text(p) WITH ORDINALITY AS t(x, n));
    END
    $$`
  yield* sql`
    CREATE FUNCTION accept_emails(p_items jsonb)
    RETURNS TABLE (n integer, accepted_id text, accepted_hash text, created boolean)
    LANGUAGE plpgsql AS $$
    DECLARE
      item jsonb;
      i integer := 0;
    BEGIN
      FOR item IN SELECT value FROM jsonb_array_elements(p_items) WITH ORDINALITY AS t(value, k) ORDER BY k LOOP
        RETURN QUERY
        SELECT i, a.accepted_id, a.accepted_hash, a.created FROM accept_email(
          (item->>'team_id')::integer, (item->>'api_key_id')::integer, (item->>'domain_id')::integer,
          item->>'domain_name', item->>'from_address', item->>'from_name',
          jsonb_texts(item->'to'), jsonb_texts(item->'cc'), jsonb_texts(item->'bcc'),
          jsonb_texts(item->'recipients'), jsonb_texts(item->'kinds'), jsonb_texts(item->'reply_to'),
          item->>'subject', item->>'html', item->>'text', item->'headers', jsonb_texts(item->'tags'),
          item->>'message_id', (item->>'test_mode')::boolean, (item->>'unsubscribe')::boolean,
          (item->>'track_opens')::boolean, (item->>'track_clicks')::boolean,
          item->>'idempotency_key', item->>'request_hash', (item->>'scheduled_at')::timestamptz,
          decode(item->>'raw_mime', 'base64'),
          jsonb_texts(item->'attachment_names'), jsonb_texts(item->'attachment_types'),
          jsonb_texts(item->'attachment_ids'),
          (SELECT coalesce(array_agg(decode(x, 'base64') ORDER BY k), '{}')
           FROM jsonb_array_elements_text(item->'attachment_contents') WITH ORDINALITY AS c(x, k)),
          item->'summary', item->'first_event', (item->>'first_attempt_at')::timestamptz,
          item->>'status_all_suppressed', item->>'status_otherwise') AS a;
        i := i + 1;
      END LOOP;
    END
    $$`
})
