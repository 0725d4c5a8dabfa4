import { SqlClient } from "@effect/sql"
import { WebhookRepository } from "@poststack/application"
import { Array as Arr, Effect, Layer } from "effect"
import { endpointDeliveries } from "./PgEndpointDeliveries.js"
import { WEBHOOK_COLUMNS, webhookRows } from "./PgWebhookRows.js"
import { unavailable } from "./SqlErrors.js"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(WEBHOOK_COLUMNS)
  const first = (rows: ReadonlyArray<unknown>) => Effect.map(webhookRows(rows), Arr.head)
  // Notification channels are rows of the same table: no webhook route may reach one.
  const endpointIsWebhook = (id: number) =>
    sql`EXISTS (SELECT 1 FROM webhooks k WHERE k.id = ${id} AND k.kind = 'webhook')`
  const webhook = (teamId: number, id: number) => sql`team_id = ${teamId} AND id = ${id} AND kind = 'webhook'`

  return WebhookRepository.of({
    create: (teamId, w) =>
      sql`
        INSERT INTO webhooks (team_id, url, description, events, secret_sealed, secret_prefix)
        VALUES (${teamId}, ${w.url}, ${w.description}, ${[...w.events]}, ${Buffer.from(w.secretSealed)}, ${w.secretPrefix})
        RETURNING ${columns}`.pipe(
        Effect.flatMap(first),
        Effect.flatMap(Effect.orDieWith(() => new Error("insert returned no row"))),
        unavailable
      ),
    list: (teamId) =>
      sql`SELECT ${columns} FROM webhooks WHERE team_id = ${teamId} AND kind = 'webhook' ORDER BY id`.pipe(
        Effect.flatMap(webhookRows),
        unavailable
      ),
    get: (teamId, id) =>
      sql`SELECT ${columns} FROM webhooks WHERE team_id = ${teamId} AND id = ${id} AND kind = 'webhook'`.pipe(
        Effect.flatMap(first),
        unavailable
      ),
    update: (teamId, id, changes) => {
      const sets = [
        ...(changes.url === undefined ? [] : [sql`url = ${changes.url}`]),
        ...(changes.description === undefined ? [] : [sql`description = ${changes.description}`]),
        ...(changes.events === undefined ? [] : [sql`events = ${[...changes.events]}`]),
        ...(changes.active === undefined
          ? []
          : changes.active
            ? [sql`active = true, disabled_at = NULL, disabled_reason = NULL, consecutive_failures = 0`]
            : [sql`active = false`])
      ]
      if (sets.length === 0) {
        return sql`SELECT ${columns} FROM webhooks WHERE team_id = ${teamId} AND id = ${id} AND kind = 'webhook'`.pipe(
          Effect.flatMap(first),
          unavailable
        )
      }
      return sql`
        UPDATE webhooks SET ${sql.csv(sets)} WHERE team_id = ${teamId} AND id = ${id} AND kind = 'webhook' RETURNING ${columns}`.pipe(
        Effect.flatMap(first),
        unavailable
      )
    },
    delete: (teamId, id) =>
      sql`DELETE FROM webhooks WHERE team_id = ${teamId} AND id = ${id} AND kind = 'webhook' RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    rotateSecret: (teamId, id, secret, previousExpiresAt) =>
      sql`
        UPDATE webhooks SET
          previous_secret_sealed = CASE WHEN ${previousExpiresAt}::timestamptz IS NULL THEN NULL ELSE secret_sealed END,
          previous_secret_expires_at = ${previousExpiresAt},
          secret_sealed = ${Buffer.from(secret.sealed)}, secret_prefix = ${secret.prefix}, secret_rotated_at = now()
        WHERE team_id = ${teamId} AND id = ${id} AND kind = 'webhook'
        RETURNING ${columns}`.pipe(Effect.flatMap(first), unavailable),
    deliveries: (teamId, id, page) => endpointDeliveries(sql, teamId, webhook(teamId, id)).page(page),
    replay: (teamId, id, deliveryId) =>
      endpointDeliveries(sql, teamId, webhook(teamId, id)).replay(deliveryId),
    replayFailed: (teamId, id, filter) =>
      sql<{ replayed: number; remaining: number }>`
        WITH matching AS (
          SELECT id FROM webhook_deliveries
          WHERE team_id = ${teamId} AND webhook_id = ${id} AND ${endpointIsWebhook(id)} AND status = 'failed' AND created_at >= ${filter.since}
            AND (${filter.eventType ?? null}::text IS NULL OR event_type = ${filter.eventType ?? null})
        ), picked AS (
          SELECT id FROM webhook_deliveries WHERE id IN (SELECT id FROM matching)
          ORDER BY id LIMIT ${filter.limit} FOR UPDATE SKIP LOCKED
        ), replayed AS (
          UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = now(), retry_until = NULL
          FROM picked WHERE d.id = picked.id RETURNING d.id
        )
        SELECT (SELECT count(*)::int FROM replayed) AS replayed,
               (SELECT count(*)::int FROM matching) - (SELECT count(*)::int FROM replayed) AS remaining`.pipe(
        Effect.map((rows) => rows[0] ?? { replayed: 0, remaining: 0 }),
        unavailable
      ),
    claimTestDelivery: (teamId, id, event) =>
      endpointDeliveries(sql, teamId, webhook(teamId, id)).claimTest(event)
  })
})

export const layer = Layer.effect(WebhookRepository, make)
