import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The delivery path's statements, planned to cost what their batch holds rather than what the
 * tables hold. Measured on a bench database of 2,000 emails with fresh statistics:
 *
 * - `insert_email_events` (every recorded outcome's events) kept a system mail's events out of the
 *   outbox with `NOT EXISTS`, which the planner ran as a hash anti join over a sequential scan of
 *   all of `emails`: about 1 ms of every `record_deliveries` call, growing with the table. The
 *   check is now a scalar subquery, one primary-key probe per event (as 0028 meant it to be).
 * - `claim_delivery_ids` took transactional mail through a bitmap scan of every due row, joined
 *   each to its email and sorted them all to keep the oldest few: 3.7 ms a claim with 2,000 due,
 *   growing with the backlog, because the planner, which expects few due rows, finds that cheaper
 *   than walking the index in order. Without bitmap scans it walks the due-time index and stops
 *   at the limit (0.15 ms); the lapsed leases and bulk mail were walked through their indexes
 *   already.
 * - `record_deliveries` reads rows by the ids it is given; with statistics that lag a growing
 *   table it read `deliveries` whole to find them. Sequential scans are off inside it, as in
 *   `emails_deleted` (0073).
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
      SELECT team_id, type, payload, now() FROM input
      -- Whoever recorded it, a system mail's event stays out of the outbox: the check is here, on the
      -- row, so no path can forget it. A scalar subquery is one primary-key probe per event whatever
      -- the statistics say (as NOT EXISTS, the planner hashed the whole emails table on every call).
      WHERE NOT coalesce((SELECT e.system FROM emails e WHERE e.id = input.email_id), false)
      ORDER BY k;
    END
    $$`
  yield* sql`ALTER FUNCTION claim_delivery_ids(timestamptz, integer, boolean, integer) SET enable_bitmapscan = off`
  yield* sql`ALTER FUNCTION record_deliveries(jsonb, text[], text) SET enable_seqscan = off`
})
