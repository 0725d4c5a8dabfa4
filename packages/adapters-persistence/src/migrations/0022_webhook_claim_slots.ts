import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Webhook claims with a number of slots per endpoint.
 *
 * The dispatcher now adapts how many attempts each endpoint may have in flight (more for one that
 * answers quickly, one for a dead one), so the claim takes the endpoints' own numbers, as two
 * arrays (ids and slots; an endpoint not named has `p_per_endpoint`). Everything else is the claim
 * of 0020: endpoints in turn from a cursor, each one's oldest due deliveries through the index, a
 * cost that does not grow with the backlog, no wait for the disk.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`DROP FUNCTION claim_webhook_deliveries(timestamptz, integer, integer, timestamptz, timestamptz, integer)`
  yield* sql`
    CREATE FUNCTION claim_webhook_deliveries(p_now timestamptz, p_limit integer, p_per_endpoint integer,
      p_lease_until timestamptz, p_retry_until timestamptz, p_after integer, p_slot_ids integer[], p_slots integer[])
    RETURNS TABLE (id bigint, webhook_id integer, kind text, url text, secret_sealed bytea, previous_secret_sealed bytea,
      event_public_id text, event_type text, event_created_at timestamptz, data jsonb, attempts integer,
      retry_until timestamptz)
    LANGUAGE plpgsql SET jit = off AS $fn$
    BEGIN
      PERFORM set_config('synchronous_commit', 'off', true);
      UPDATE webhook_deliveries lapsed SET status = 'pending', lease_until = NULL
      WHERE lapsed.id = ANY (ARRAY(
        SELECT x.id FROM webhook_deliveries x WHERE x.status = 'sending' AND x.lease_until < p_now
        FOR UPDATE SKIP LOCKED));
      RETURN QUERY
      UPDATE webhook_deliveries d SET status = 'sending', attempts = d.attempts + 1, lease_until = p_lease_until,
        retry_until = coalesce(d.retry_until, p_retry_until)
      FROM webhooks w
      WHERE d.id = ANY (ARRAY(
          SELECT due.id
          FROM (
            (SELECT h.id FROM webhooks h WHERE h.active AND h.id > p_after ORDER BY h.id)
            UNION ALL
            (SELECT h.id FROM webhooks h WHERE h.active AND h.id <= p_after ORDER BY h.id)
          ) hook
          CROSS JOIN LATERAL (
            SELECT coalesce(p_slots[array_position(p_slot_ids, hook.id)], p_per_endpoint) - count(*)::integer AS room
            FROM webhook_deliveries s
            WHERE s.webhook_id = hook.id AND s.status = 'sending'
          ) busy
          CROSS JOIN LATERAL (
            SELECT p.id FROM webhook_deliveries p
            WHERE p.webhook_id = hook.id AND p.status = 'pending' AND p.next_attempt_at <= p_now
            ORDER BY p.next_attempt_at, p.id LIMIT greatest(busy.room, 0)
            FOR UPDATE SKIP LOCKED
          ) due
          LIMIT p_limit))
        AND w.id = d.webhook_id AND d.status = 'pending'
      RETURNING d.id, d.webhook_id, w.kind, w.url, w.secret_sealed,
        CASE WHEN w.previous_secret_expires_at > p_now THEN w.previous_secret_sealed END,
        d.event_public_id, d.event_type, d.event_created_at, d.data, d.attempts, d.retry_until;
    END
    $fn$`
})
