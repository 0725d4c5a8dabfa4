import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Webhook claims and records at speed.
 *
 * The claim walks endpoints instead of ranking every due delivery. The claim of 0006
 * ranked all due deliveries with a window function before its LIMIT, so its cost grew with the
 * backlog (7.8 s a claim with a million pending deliveries, and about 90 % of a core under a
 * backlog of thousands); `claim_webhook_deliveries` visits the active endpoints in turn from a
 * cursor, takes each one's oldest due deliveries up to its free slots through an index on
 * `(webhook_id, next_attempt_at, id)`, and stops at the limit, so a claim reads a few index pages
 * per endpoint it serves, whatever is queued behind them.
 *
 * `record_webhook_attempts` writes a batch of attempts (see `PgWebhookQueue`) in one call where
 * one attempt took a transaction of five statements.
 *
 * Both commit without waiting for the disk (`synchronous_commit` off for their transaction only).
 * Whatever PostgreSQL forgets in a crash is sent again, which at-least-once delivery allows: a
 * claim forgotten leaves its deliveries pending; an attempt forgotten leaves its delivery claimed
 * until the lease ends. Every other write keeps its synchronous commit.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, next_attempt_at, id)
      WHERE status = 'pending'`
  // In flight per endpoint, and the leases to take back.
  yield* sql`
    CREATE INDEX webhook_deliveries_sending ON webhook_deliveries (webhook_id, lease_until)
      WHERE status = 'sending'`
  // The two indexes above answer every question this one answered.
  yield* sql`DROP INDEX webhook_deliveries_due`
  // A delivery whose lease ran out (its worker died) goes back to pending first, keeping its
  // attempt number, so the worker that lost it records nothing and it takes its turn again.
  // Endpoints are visited from the one after `p_after`, round the table, so one endpoint's
  // backlog cannot crowd out the others and every claim stops once it has `p_limit` rows.
  // The ids are gathered in an array, not joined as a set: the planner would scan the table.
  yield* sql`
    CREATE FUNCTION claim_webhook_deliveries(p_now timestamptz, p_limit integer, p_per_endpoint integer,
      p_lease_until timestamptz, p_retry_until timestamptz, p_after integer)
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
            SELECT p_per_endpoint - count(*)::integer AS room FROM webhook_deliveries s
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
  // The endpoints' rows are locked first, in id order, as deleting an endpoint locks it before
  // its deliveries (the other order deadlocked with DELETE /webhooks). Only attempts still
  // holding their claim are recorded: a lease that ran out and was taken over belongs to the
  // later claim, which counts one more attempt. Each endpoint's failure count then runs through
  // its attempts in the order given, as one call per attempt would have counted them; the count
  // after each attempt is returned, with whether the endpoint is still active, for the caller to
  // decide (in the same transaction) whether to disable it.
  yield* sql`
    CREATE FUNCTION record_webhook_attempts(p_attempts jsonb)
    RETURNS TABLE (recorded_id bigint, recorded_attempt integer, failures_after integer, still_active boolean)
    LANGUAGE plpgsql SET jit = off AS $fn$
    DECLARE
      v_ids bigint[];
      v_attempts integer[];
      v_hook integer;
      v_failures integer;
      v_active boolean;
      v_last_at timestamptz;
      v_last_status integer;
      r record;
    BEGIN
      PERFORM set_config('synchronous_commit', 'off', true);
      PERFORM 1 FROM webhooks
      WHERE id = ANY (ARRAY(SELECT (x->>'webhook_id')::integer FROM jsonb_array_elements(p_attempts) x))
      ORDER BY id FOR NO KEY UPDATE;

      WITH input AS (
        SELECT * FROM jsonb_to_recordset(p_attempts) AS x(id bigint, attempts integer, status text,
          next_attempt_at timestamptz, status_code integer, snippet text)
      ), held AS (
        UPDATE webhook_deliveries d SET status = i.status, next_attempt_at = i.next_attempt_at, lease_until = NULL,
          status_code = i.status_code, response_body = i.snippet,
          delivered_at = CASE WHEN i.status = 'delivered' THEN now() ELSE d.delivered_at END
        FROM input i
        WHERE d.id = ANY (ARRAY(SELECT id FROM input)) AND d.id = i.id
          AND d.status = 'sending' AND d.attempts = i.attempts
        RETURNING d.id, d.attempts
      )
      SELECT array_agg(held.id), array_agg(held.attempts) INTO v_ids, v_attempts FROM held;
      IF v_ids IS NULL THEN
        RETURN;
      END IF;

      INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, response_body, error)
      SELECT x.id, x.attempts, x.started_at, x.duration_ms, x.status_code,
        CASE WHEN x.failed THEN NULL ELSE x.snippet END, CASE WHEN x.failed THEN x.snippet END
      FROM jsonb_array_elements(p_attempts) WITH ORDINALITY AS t(value, k),
        jsonb_to_record(t.value) AS x(id bigint, attempts integer, started_at timestamptz, duration_ms integer,
          status_code integer, snippet text, failed boolean)
      WHERE (x.id, x.attempts) IN (SELECT * FROM unnest(v_ids, v_attempts))
      ORDER BY t.k;

      FOR r IN
        SELECT x.*
        FROM jsonb_array_elements(p_attempts) WITH ORDINALITY AS t(value, k),
          jsonb_to_record(t.value) AS x(id bigint, attempts integer, webhook_id integer, ok boolean,
            started_at timestamptz, status_code integer)
        WHERE (x.id, x.attempts) IN (SELECT * FROM unnest(v_ids, v_attempts))
        ORDER BY x.webhook_id, t.k
      LOOP
        IF v_hook IS DISTINCT FROM r.webhook_id THEN
          IF v_hook IS NOT NULL THEN
            UPDATE webhooks SET consecutive_failures = v_failures, last_delivery_at = v_last_at,
              last_delivery_status = v_last_status
            WHERE id = v_hook;
          END IF;
          v_hook := r.webhook_id;
          SELECT w.consecutive_failures, w.active INTO v_failures, v_active FROM webhooks w WHERE w.id = v_hook;
        END IF;
        v_failures := CASE WHEN r.ok THEN 0 ELSE v_failures + 1 END;
        v_last_at := r.started_at;
        v_last_status := r.status_code;
        recorded_id := r.id;
        recorded_attempt := r.attempts;
        failures_after := v_failures;
        still_active := v_active;
        RETURN NEXT;
      END LOOP;
      UPDATE webhooks SET consecutive_failures = v_failures, last_delivery_at = v_last_at,
        last_delivery_status = v_last_status
      WHERE id = v_hook;
    END
    $fn$`
})
