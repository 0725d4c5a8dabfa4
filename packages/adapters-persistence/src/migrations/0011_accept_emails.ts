import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** The item's JSON array `field` as a text[], in order (inline, so the statement's plan covers it). */
const texts = (field: string) =>
  `ARRAY(SELECT x FROM jsonb_array_elements_text(item->'${field}') WITH ORDINALITY AS t(x, k) ORDER BY k)`

/**
 * Accepting several emails in one call and one transaction (group commit: see `GroupCommit`).
 * Each item is the arguments of `accept_email` as JSON, taken in order; an item whose idempotency
 * key an earlier item of the same call took finds that email, as it would one committed before.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`
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
          ${texts("to")},
          ${texts("cc")},
          ${texts("bcc")},
          ${texts("recipients")},
          ${texts("kinds")},
          ${texts("reply_to")},
          item->>'subject', item->>'html', item->>'text', item->'headers',
          ${texts("tags")},
          item->>'message_id', (item->>'test_mode')::boolean, (item->>'unsubscribe')::boolean,
          (item->>'track_opens')::boolean, (item->>'track_clicks')::boolean,
          item->>'idempotency_key', item->>'request_hash', (item->>'scheduled_at')::timestamptz,
          decode(item->>'raw_mime', 'base64'),
          ${texts("attachment_names")},
          ${texts("attachment_types")},
          ${texts("attachment_ids")},
          (SELECT coalesce(array_agg(decode(x, 'base64') ORDER BY k), '{}')
           FROM jsonb_array_elements_text(item->'attachment_contents') WITH ORDINALITY AS c(x, k)),
          item->'summary', item->'first_event', (item->>'first_attempt_at')::timestamptz,
          item->>'status_all_suppressed', item->>'status_otherwise') AS a;
        i := i + 1;
      END LOOP;
    END
    $$`)
})
