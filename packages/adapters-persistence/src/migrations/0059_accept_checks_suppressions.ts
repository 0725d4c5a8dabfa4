import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Accepting mail without a separate read of the suppression list first. Until now every accepting
 * call read the list in a statement of its own (a round trip, a parse and a plan each time) so the
 * adapter could encode the `suppressed` events itself; that read was most of what PostgreSQL spent
 * per accepted email beyond the writes, though it almost never finds anything.
 *
 * `accept_emails(items, true)` looks for the same entries inside the accepting statement (through
 * the `suppressions_team_email` index), and writes nothing if any recipient not already marked
 * suppressed is on its team's list: it answers one row with `n = -1` instead, and the adapter then
 * reads the entries and calls `accept_emails(items)` with the events encoded for them. The usual
 * case costs one statement. `accept_emails(items)` itself stays as it is (later migrations may
 * redefine it; this one only calls it).
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`
    CREATE FUNCTION accept_emails(p_items jsonb, p_check_suppressions boolean)
    RETURNS TABLE (n integer, accepted_id text, accepted_hash text, created boolean)
    LANGUAGE plpgsql
    SET jit = off
    AS $$
    BEGIN
      IF p_check_suppressions AND EXISTS (
        SELECT 1
        FROM jsonb_array_elements(p_items) AS t(item)
        CROSS JOIN LATERAL jsonb_array_elements_text(t.item->'recipients') WITH ORDINALITY AS r(address, k)
        JOIN suppressions s ON s.team_id = (t.item->>'team_id')::integer AND lower(s.email) = lower(r.address)
        -- A system mail is stopped by no suppression list (see 0028).
        WHERE NOT coalesce((t.item->>'system')::boolean, false)
          AND (t.item->'statuses'->>(r.k - 1)::integer) IS DISTINCT FROM 'suppressed'
      ) THEN
        RETURN QUERY SELECT -1, NULL::text, NULL::text, false;
        RETURN;
      END IF;
      RETURN QUERY SELECT a.n, a.accepted_id, a.accepted_hash, a.created FROM accept_emails(p_items) AS a;
    END
    $$`)
})
