import { SqlClient } from "@effect/sql"
import { NotificationChannelRepository } from "@poststack/application"
import type { ChannelType, NotificationChannel } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { type ClaimRow, type DeliveryRow, toClaimed, toDelivery } from "./PgWebhookRows.js"
import { unavailable } from "./SqlErrors.js"

interface ChannelRow {
  readonly id: number
  readonly public_id: string
  readonly kind: ChannelType
  readonly name: string
  readonly domain_id: number | null
  readonly events: ReadonlyArray<string>
  readonly active: boolean
  readonly config_summary: Record<string, string>
  readonly consecutive_failures: number
  readonly disabled_at: Date | null
  readonly disabled_reason: string | null
  readonly last_delivery_at: Date | null
  readonly created_at: Date
  readonly updated_at: Date
}

const COLUMNS = `id, public_id, kind, name, domain_id, events, active, config_summary, consecutive_failures,
  disabled_at, disabled_reason, last_delivery_at, created_at, updated_at`

const toChannel = (row: ChannelRow): NotificationChannel => ({
  id: row.id,
  publicId: row.public_id,
  type: row.kind,
  name: row.name,
  domainId: row.domain_id,
  mailboxId: null,
  events: row.events,
  active: row.active,
  configSummary: row.config_summary,
  consecutiveFailures: row.consecutive_failures,
  disabledAt: row.disabled_at,
  disabledReason: row.disabled_reason,
  lastUsedAt: row.last_delivery_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at
})

/** Channels are `webhooks` rows of a chat `kind`, found by their `nc_` id within the team. */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(COLUMNS)
  const first = (rows: ReadonlyArray<ChannelRow>) => Option.map(Arr.head(rows), toChannel)
  const channel = (teamId: number, publicId: string) =>
    sql`team_id = ${teamId} AND public_id = ${publicId} AND kind <> 'webhook'`
  const channelId = (teamId: number, publicId: string) =>
    sql`(SELECT id FROM webhooks WHERE ${channel(teamId, publicId)})`

  return NotificationChannelRepository.of({
    create: (teamId, c) =>
      sql<ChannelRow>`
        INSERT INTO webhooks (team_id, kind, public_id, name, url, events, secret_sealed, secret_prefix,
          domain_id, domain_name, config_summary)
        VALUES (${teamId}, ${c.type}, 'nc_' || replace(gen_random_uuid()::text, '-', ''), ${c.name}, ${c.type},
          ${[...c.events]}, ${Buffer.from(c.configSealed)}, '', ${c.domain?.id ?? null}, ${c.domain?.name ?? null},
          ${JSON.stringify(c.configSummary)}::jsonb)
        RETURNING ${columns}`.pipe(
        Effect.map((rows) => Option.getOrThrow(first(rows))),
        unavailable
      ),
    list: (teamId) =>
      sql<ChannelRow>`SELECT ${columns} FROM webhooks WHERE team_id = ${teamId} AND kind <> 'webhook' ORDER BY id`.pipe(
        Effect.map(Arr.map(toChannel)),
        unavailable
      ),
    get: (teamId, publicId) =>
      sql<ChannelRow>`SELECT ${columns} FROM webhooks WHERE ${channel(teamId, publicId)}`.pipe(
        Effect.map(first),
        unavailable
      ),
    sealedConfig: (teamId, publicId) =>
      sql<{
        secret_sealed: Uint8Array
      }>`SELECT secret_sealed FROM webhooks WHERE ${channel(teamId, publicId)}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), (r) => new Uint8Array(r.secret_sealed))),
        unavailable
      ),
    update: (teamId, publicId, changes) => {
      const sets = [
        sql`updated_at = now()`,
        ...(changes.name === undefined ? [] : [sql`name = ${changes.name}`]),
        ...(changes.events === undefined ? [] : [sql`events = ${[...changes.events]}`]),
        ...(changes.domain === undefined
          ? []
          : [sql`domain_id = ${changes.domain?.id ?? null}, domain_name = ${changes.domain?.name ?? null}`]),
        ...(changes.active === undefined
          ? []
          : changes.active
            ? [sql`active = true, disabled_at = NULL, disabled_reason = NULL, consecutive_failures = 0`]
            : [sql`active = false`]),
        ...(changes.config === undefined
          ? []
          : [
              sql`secret_sealed = ${Buffer.from(changes.config.sealed)},
                config_summary = ${JSON.stringify(changes.config.summary)}::jsonb`
            ])
      ]
      return sql<ChannelRow>`
        UPDATE webhooks SET ${sql.csv(sets)} WHERE ${channel(teamId, publicId)} RETURNING ${columns}`.pipe(
        Effect.map(first),
        unavailable
      )
    },
    delete: (teamId, publicId) =>
      sql`DELETE FROM webhooks WHERE ${channel(teamId, publicId)} RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    deliveries: (teamId, publicId, { page, perPage }) =>
      Effect.all({
        rows: sql<DeliveryRow>`
          SELECT * FROM webhook_deliveries WHERE team_id = ${teamId} AND webhook_id = ${channelId(teamId, publicId)}
          ORDER BY id DESC LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`,
        total: sql<{ n: number }>`
          SELECT count(*)::int AS n FROM webhook_deliveries
          WHERE team_id = ${teamId} AND webhook_id = ${channelId(teamId, publicId)}`
      }).pipe(
        Effect.map(({ rows, total }) => ({ rows: rows.map(toDelivery), total: total[0]?.n ?? 0 })),
        unavailable
      ),
    replay: (teamId, publicId, deliveryId) =>
      sql`
        UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), retry_until = NULL,
          lease_until = NULL, delivered_at = NULL
        WHERE team_id = ${teamId} AND webhook_id = ${channelId(teamId, publicId)} AND id = ${deliveryId}
        RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    claimTestDelivery: (teamId, publicId, event) =>
      sql<ClaimRow>`
        WITH hook AS (SELECT * FROM webhooks WHERE ${channel(teamId, publicId)}),
        inserted AS (
          INSERT INTO webhook_deliveries (webhook_id, team_id, event_public_id, event_type, data, event_created_at,
            status, attempts, next_attempt_at, retry_until, lease_until)
          SELECT id, team_id, 'evt_' || replace(gen_random_uuid()::text, '-', ''), ${event.type},
            ${JSON.stringify(event.data)}::jsonb, now(), 'sending', 1, now(), now(),
            now() + ${event.leaseMs} * interval '1 millisecond'
          FROM hook RETURNING *
        )
        SELECT i.id, i.webhook_id, h.kind, h.url, h.secret_sealed, NULL::bytea AS previous_secret_sealed,
          i.event_public_id, i.event_type, i.event_created_at, i.data, i.attempts, i.retry_until
        FROM inserted i JOIN hook h ON h.id = i.webhook_id`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toClaimed)),
        unavailable
      )
  })
})

export const layer = Layer.effect(NotificationChannelRepository, make)
