import type { SqlClient, Statement } from "@effect/sql"
import type { DeliveryPageRequest } from "@poststack/application"
import { Array as Arr, Effect, Option } from "effect"
import { type ClaimRow, DELIVERY_COLUMNS, deliveryRows, toClaimed } from "./PgWebhookRows.js"
import { unavailable } from "./SqlErrors.js"

/**
 * The delivery log webhooks and notification channels both keep in `webhook_deliveries`.
 * `endpoint` is the condition on `webhooks` that picks one endpoint of the team (a webhook by id,
 * a channel by its `nc_` id): deliveries of any other row, or of another team, are absent.
 */
export const endpointDeliveries = (
  sql: SqlClient.SqlClient,
  teamId: number,
  endpoint: Statement.Statement<unknown>
) => {
  const endpointId = sql`(SELECT id FROM webhooks WHERE ${endpoint})`
  return {
    page: ({ page, perPage, statuses }: DeliveryPageRequest) => {
      const inStatus = statuses === undefined ? sql`TRUE` : sql`status IN ${sql.in(statuses)}`
      return Effect.all({
        rows: sql`
          SELECT ${sql.literal(DELIVERY_COLUMNS)} FROM webhook_deliveries
          WHERE team_id = ${teamId} AND webhook_id = ${endpointId} AND ${inStatus}
          ORDER BY id DESC LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`.pipe(
          Effect.flatMap(deliveryRows)
        ),
        total: sql<{ n: number }>`
          SELECT count(*)::int AS n FROM webhook_deliveries
          WHERE team_id = ${teamId} AND webhook_id = ${endpointId} AND ${inStatus}`
      }).pipe(
        Effect.map(({ rows, total }) => ({ rows, total: total[0]?.n ?? 0 })),
        unavailable
      )
    },
    replay: (deliveryId: number) =>
      sql`
        UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), retry_until = NULL,
          lease_until = NULL, delivered_at = NULL
        WHERE team_id = ${teamId} AND webhook_id = ${endpointId} AND id = ${deliveryId}
        RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    /** A test event, claimed at once (one attempt, leased for `leaseMs`) for the caller to send. */
    claimTest: (event: { readonly type: string; readonly data: unknown; readonly leaseMs: number }) =>
      sql<ClaimRow>`
        WITH hook AS (SELECT * FROM webhooks WHERE ${endpoint}),
        inserted AS (
          INSERT INTO webhook_deliveries (webhook_id, team_id, event_public_id, event_type, data, event_created_at,
            status, attempts, next_attempt_at, retry_until, lease_until)
          SELECT id, team_id, 'evt_' || replace(gen_random_uuid()::text, '-', ''), ${event.type},
            ${JSON.stringify(event.data)}::jsonb, now(), 'sending', 1, now(), now(),
            now() + ${event.leaseMs} * interval '1 millisecond'
          FROM hook RETURNING *
        )
        SELECT i.id, i.webhook_id, h.kind, h.url, h.secret_sealed,
          CASE WHEN h.previous_secret_expires_at > now() THEN h.previous_secret_sealed END AS previous_secret_sealed,
          i.event_public_id, i.event_type, i.event_created_at, i.data, i.attempts, i.retry_until
        FROM inserted i JOIN hook h ON h.id = i.webhook_id`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toClaimed)),
        unavailable
      )
  }
}
