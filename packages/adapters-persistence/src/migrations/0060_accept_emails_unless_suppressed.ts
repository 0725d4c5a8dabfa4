import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Accepting a batch of emails took two round trips: the batch's recipients were looked up in the
 * suppression list, then `accept_emails` wrote the batch built from what was found. The batch
 * waits for both, and on a busy machine each round trip is a wait for another process's turn.
 *
 * `accept_emails_unless_suppressed` makes the usual case one round trip: it takes a batch built as
 * if no recipient were listed, looks the recipients up itself, and when none is listed (system
 * mail is never looked up, as before) hands the batch to `accept_emails` unchanged. When any is,
 * it writes nothing and answers one row whose `listed` holds the entries found (team, address as
 * stored, id, reason), so the caller builds the batch again with them and calls `accept_emails`
 * as before. An entry added between the lookup and the write is caught when the delivery is
 * claimed, as with the separate lookup (the window is shorter: one statement, not two).
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`
    CREATE FUNCTION accept_emails_unless_suppressed(p_items jsonb)
    RETURNS TABLE (n integer, accepted_id text, accepted_hash text, created boolean, listed jsonb)
    LANGUAGE plpgsql
    -- As in 0012: compiling the plan would take longer than running it.
    SET jit = off
    AS $$
    DECLARE
      v_listed jsonb;
    BEGIN
      -- The unique index on (team_id, lower(email)) answers each recipient.
      SELECT jsonb_agg(jsonb_build_object('teamId', s.team_id, 'email', s.email, 'id', s.id, 'reason', s.reason))
      INTO v_listed
      FROM jsonb_array_elements(p_items) AS t(item)
      CROSS JOIN LATERAL jsonb_array_elements_text(t.item->'recipients') AS r(address)
      JOIN suppressions s ON s.team_id = (t.item->>'team_id')::integer AND lower(s.email) = lower(r.address)
      WHERE NOT coalesce((t.item->>'system')::boolean, false);
      IF v_listed IS NOT NULL THEN
        RETURN QUERY SELECT NULL::integer, NULL::text, NULL::text, NULL::boolean, v_listed;
        RETURN;
      END IF;
      RETURN QUERY
      SELECT a.n, a.accepted_id, a.accepted_hash, a.created, NULL::jsonb FROM accept_emails(p_items) AS a;
    END
    $$`)
})
