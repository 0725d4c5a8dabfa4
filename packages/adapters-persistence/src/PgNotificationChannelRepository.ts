import { SqlClient } from "@effect/sql"
import { NotificationChannelRepository } from "@poststack/application"
import type { ChannelType, NotificationChannel } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { endpointDeliveries } from "./PgEndpointDeliveries.js"
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
    deliveries: (teamId, publicId, page) =>
      endpointDeliveries(sql, teamId, channel(teamId, publicId)).page(page),
    replay: (teamId, publicId, deliveryId) =>
      endpointDeliveries(sql, teamId, channel(teamId, publicId)).replay(deliveryId),
    claimTestDelivery: (teamId, publicId, event) =>
      endpointDeliveries(sql, teamId, channel(teamId, publicId)).claimTest(event)
  })
})

export const layer = Layer.effect(NotificationChannelRepository, make)
