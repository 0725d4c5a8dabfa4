import { SqlClient } from "@effect/sql"
import { WebhookQueue } from "@poststack/application"
import { attemptSucceeded, disableReason, RESPONSE_SNIPPET_CHARS } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { type ClaimRow, toClaimed } from "./PgWebhookRows.js"
import { unavailable } from "./SqlErrors.js"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return WebhookQueue.of({
    // The subscription rule (`*` or the exact type) is `subscribes` in the domain, here as SQL so
    // one statement claims, fans out and marks. Endpoints see events from their creation on.
    fanOut: ({ limit }) =>
      sql<{ events: number; deliveries: number }>`
        WITH batch AS (
          SELECT id, team_id, type, payload, created_at, public_id FROM events
          WHERE fanned_out_at IS NULL ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED
        ), marked AS (
          UPDATE events e SET fanned_out_at = now() WHERE e.id = ANY (ARRAY(SELECT id FROM batch)) RETURNING e.id
        ), inserted AS (
          INSERT INTO webhook_deliveries (webhook_id, team_id, event_id, event_public_id, event_type, data,
            event_created_at, status, next_attempt_at)
          SELECT w.id, b.team_id, b.id, b.public_id, b.type, b.payload, b.created_at, 'pending', now()
          FROM batch b JOIN webhooks w ON w.team_id = b.team_id AND w.active AND w.created_at <= b.created_at
            AND ('*' = ANY (w.events) OR b.type = ANY (w.events))
            AND (w.domain_id IS NULL OR event_concerns_domain(b.type, b.payload, w.domain_id, w.domain_name))
          ON CONFLICT (webhook_id, event_id) DO NOTHING
          RETURNING id
        )
        SELECT (SELECT count(*)::int FROM marked) AS events, (SELECT count(*)::int FROM inserted) AS deliveries`.pipe(
        Effect.map((rows) => rows[0] ?? { events: 0, deliveries: 0 }),
        unavailable
      ),
    // Deliveries are ranked per endpoint before the limit, so a backlog on one endpoint cannot
    // crowd out the others; the final UPDATE re-checks the row another worker may have taken.
    claim: ({ now, limit, perEndpoint, leaseMs, retryWindowMs }) =>
      sql<ClaimRow>`
        WITH busy AS (
          SELECT webhook_id, count(*) AS n FROM webhook_deliveries
          WHERE status = 'sending' AND lease_until >= ${now} GROUP BY webhook_id
        ), ranked AS (
          SELECT d.id, d.next_attempt_at,
            row_number() OVER (PARTITION BY d.webhook_id ORDER BY d.next_attempt_at, d.id) + coalesce(b.n, 0) AS slot
          FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.active
          LEFT JOIN busy b ON b.webhook_id = d.webhook_id
          WHERE (d.status = 'pending' AND d.next_attempt_at <= ${now})
             OR (d.status = 'sending' AND d.lease_until < ${now})
        ), due AS (
          SELECT d.id FROM webhook_deliveries d JOIN ranked r ON r.id = d.id
          WHERE r.slot <= ${perEndpoint}
          ORDER BY r.next_attempt_at LIMIT ${limit}
          FOR UPDATE OF d SKIP LOCKED
        )
        UPDATE webhook_deliveries d SET status = 'sending', attempts = d.attempts + 1,
          lease_until = ${new Date(now.getTime() + leaseMs)},
          retry_until = coalesce(d.retry_until, ${new Date(now.getTime() + retryWindowMs)})
        FROM due, webhooks w
        WHERE d.id = due.id AND w.id = d.webhook_id
          AND ((d.status = 'pending' AND d.next_attempt_at <= ${now}) OR (d.status = 'sending' AND d.lease_until < ${now}))
        RETURNING d.id, d.webhook_id, w.kind, w.url, w.secret_sealed,
          CASE WHEN w.previous_secret_expires_at > ${now} THEN w.previous_secret_sealed END AS previous_secret_sealed,
          d.event_public_id, d.event_type, d.event_created_at, d.data, d.attempts, d.retry_until`.pipe(
        Effect.map((rows) => rows.map(toClaimed)),
        unavailable
      ),
    record: (delivery, { startedAt, outcome, state, disableAfter }) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const ok = attemptSucceeded(outcome)
            const code = outcome._tag === "Responded" ? outcome.status : null
            const body = (outcome._tag === "Responded" ? outcome.body : outcome.reason).slice(
              0,
              RESPONSE_SNIPPET_CHARS
            )
            const next = state.status === "pending" ? state.nextAttemptAt : null
            // The endpoint's row first, as deleting the endpoint locks it before its deliveries:
            // taking them the other way round deadlocked with a DELETE /webhooks (seen under load).
            yield* sql`SELECT 1 FROM webhooks WHERE id = ${delivery.webhookId} FOR NO KEY UPDATE`
            const updated = yield* sql`
              UPDATE webhook_deliveries SET status = ${state.status}, next_attempt_at = ${next}, lease_until = NULL,
                status_code = ${code}, response_body = ${body},
                delivered_at = CASE WHEN ${state.status} = 'delivered' THEN now() ELSE delivered_at END
              WHERE id = ${delivery.id} AND status = 'sending' AND attempts = ${delivery.attempts}
              RETURNING id`
            // The lease ran out and another worker took the delivery: its attempt is the one recorded.
            if (updated.length === 0) return
            yield* sql`
              INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, response_body, error)
              VALUES (${delivery.id}, ${delivery.attempts}, ${startedAt}, ${Math.round(outcome.durationMs)}, ${code},
                ${outcome._tag === "Responded" ? body : null}, ${outcome._tag === "Failed" ? body : null})`
            const [hook] = yield* sql<{ consecutive_failures: number; active: boolean }>`
              UPDATE webhooks SET consecutive_failures = CASE WHEN ${ok} THEN 0 ELSE consecutive_failures + 1 END,
                last_delivery_at = ${startedAt}, last_delivery_status = ${code}
              WHERE id = ${delivery.webhookId} RETURNING consecutive_failures, active`
            if (ok || hook === undefined || !hook.active) return
            const reason = disableReason(outcome, hook.consecutive_failures, disableAfter)
            if (reason === undefined) return
            yield* sql`
              WITH disabled AS (
                UPDATE webhooks SET active = false, disabled_at = now(), disabled_reason = ${reason}
                WHERE id = ${delivery.webhookId} AND active
                RETURNING id, team_id, url, disabled_at, kind, public_id, name
              )
              INSERT INTO events (team_id, type, payload)
              SELECT team_id, 'webhook.disabled', jsonb_build_object('webhook_id', id, 'url', url,
                'reason', ${reason}::text, 'disabled_at', disabled_at)
              FROM disabled WHERE kind = 'webhook'
              UNION ALL
              -- A channel's URL is a secret: its event names it by id and name only.
              SELECT team_id, 'notification_channel.disabled', jsonb_build_object('channel_id', public_id,
                'name', name, 'type', kind, 'reason', ${reason}::text, 'disabled_at', disabled_at)
              FROM disabled WHERE kind <> 'webhook'`
          })
        )
        .pipe(unavailable)
  })
})

export const layer = Layer.effect(WebhookQueue, make)
