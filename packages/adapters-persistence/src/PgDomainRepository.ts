import { SqlClient } from "@effect/sql"
import { DomainRepository } from "@poststack/application"
import {
  type DkimKey,
  DnsRecord,
  type DnsRecordPurpose,
  type DnsRecordType,
  Domain,
  type DomainId,
  encodeWebhookEvent,
  type RecordStatus,
  type TeamId
} from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { DKIM_KEY_COLUMNS, type DkimKeyRow, toDkimKey } from "./PgDkimKeyRepository.js"
import { withReadCache } from "./ReadCache.js"
import { unavailable } from "./SqlErrors.js"

interface StoredRecord {
  readonly type: DnsRecordType
  readonly purpose: DnsRecordPurpose
  readonly name: string
  readonly value: string
  readonly priority: number | null
  readonly status: RecordStatus
  readonly required: boolean
  readonly checkedAt: string | null
  readonly addedAt?: string
}

interface DomainRow {
  readonly id: number
  readonly team_id: number
  readonly public_id: string
  readonly name: string
  readonly status: Domain["status"]
  readonly region: Domain["region"]
  readonly return_path_label: string
  readonly open_tracking: boolean
  readonly click_tracking: boolean
  readonly tracking_domain: string | null
  readonly tls_mode: Domain["tlsMode"]
  readonly inbound_enabled: boolean
  readonly catch_all: boolean
  readonly stream_preference: Domain["streamPreference"]
  readonly bimi_logo_url: string | null
  readonly dns_records: ReadonlyArray<StoredRecord>
  readonly verified_at: Date | null
  readonly verified_locally_at: Date | null
  readonly last_checked_at: Date | null
  readonly created_at: Date
  readonly version: number
}

const COLUMNS = `id, team_id, public_id, name, status, region, return_path_label, open_tracking, click_tracking,
  tracking_domain, tls_mode, inbound_enabled, catch_all, stream_preference, bimi_logo_url, dns_records, verified_at,
  verified_locally_at, last_checked_at, created_at, version`

/** Rows this adapter wrote itself: decoding them again on every read would only cost time. */
const trusted = { disableValidation: true }

const toDomain = (row: DomainRow): Domain =>
  Domain.make(
    {
      id: row.id as DomainId,
      teamId: row.team_id as TeamId,
      publicId: row.public_id,
      name: row.name,
      status: row.status,
      region: row.region,
      returnPathLabel: row.return_path_label,
      openTracking: row.open_tracking,
      clickTracking: row.click_tracking,
      trackingDomain: row.tracking_domain,
      tlsMode: row.tls_mode,
      inboundEnabled: row.inbound_enabled,
      catchAll: row.catch_all,
      streamPreference: row.stream_preference,
      bimiLogoUrl: row.bimi_logo_url,
      dnsRecords: row.dns_records.map((r) =>
        DnsRecord.make(
          {
            type: r.type,
            purpose: r.purpose,
            name: r.name,
            value: r.value,
            priority: r.priority,
            status: r.status,
            required: r.required,
            checkedAt: r.checkedAt === null ? null : new Date(r.checkedAt),
            addedAt: new Date(r.addedAt ?? row.created_at)
          },
          trusted
        )
      ),
      verifiedAt: row.verified_at,
      verifiedLocallyAt: row.verified_locally_at,
      lastCheckedAt: row.last_checked_at,
      createdAt: row.created_at,
      version: row.version
    },
    trusted
  )

const recordsJson = (records: ReadonlyArray<DnsRecord>): string =>
  JSON.stringify(
    records.map(
      (r): StoredRecord => ({
        type: r.type,
        purpose: r.purpose,
        name: r.name,
        value: r.value,
        priority: r.priority,
        status: r.status,
        required: r.required,
        checkedAt: r.checkedAt?.toISOString() ?? null,
        addedAt: r.addedAt.toISOString()
      })
    )
  )

const first = (rows: ReadonlyArray<DomainRow>) => Option.map(Arr.head(rows), toDomain)

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(COLUMNS)

  return DomainRepository.of({
    create: (input, key, records) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const inserted = yield* sql<DomainRow>`
              INSERT INTO domains (team_id, public_id, name, return_path_label, open_tracking, click_tracking,
                                   tracking_domain, tls_mode, inbound_enabled)
              VALUES (${input.teamId}, 'dom_' || replace(gen_random_uuid()::text, '-', ''), ${input.name},
                      ${input.returnPathLabel}, ${input.openTracking}, ${input.clickTracking}, ${input.trackingDomain},
                      ${input.tlsMode}, ${input.inboundEnabled})
              ON CONFLICT (team_id, name) WHERE deleted_at IS NULL DO NOTHING
              RETURNING ${columns}`
            const domain = first(inserted)
            if (Option.isNone(domain)) return Option.none<Domain>()
            const keyRows = yield* sql<DkimKeyRow>`
              INSERT INTO dkim_keys (domain_id, selector, public_key, private_key_sealed, state)
              VALUES (${domain.value.id}, ${key.selector}, ${key.publicKey}, ${Buffer.from(key.sealedPrivateKey)},
                      ${key.state})
              RETURNING ${sql.literal(DKIM_KEY_COLUMNS)}`
            const keys: ReadonlyArray<DkimKey> = keyRows.map(toDkimKey)
            const updated = yield* sql<DomainRow>`
              UPDATE domains SET dns_records = ${recordsJson(records(domain.value, keys))}::jsonb, version = version + 1
              WHERE id = ${domain.value.id} RETURNING ${columns}`
            return first(updated)
          })
        )
        .pipe(unavailable),
    list: (teamId) =>
      sql<DomainRow>`SELECT ${columns} FROM domains WHERE team_id = ${teamId} AND deleted_at IS NULL ORDER BY id`.pipe(
        Effect.map(Arr.map(toDomain)),
        unavailable
      ),
    get: (teamId, ref) =>
      (ref._tag === "Numeric"
        ? sql<DomainRow>`
            SELECT ${columns} FROM domains WHERE team_id = ${teamId} AND id = ${ref.id} AND deleted_at IS NULL`
        : sql<DomainRow>`
            SELECT ${columns} FROM domains
            WHERE team_id = ${teamId} AND public_id = ${ref.publicId} AND deleted_at IS NULL`
      ).pipe(Effect.map(first), unavailable),
    findByName: (teamId, name) =>
      sql<DomainRow>`
        SELECT ${columns} FROM domains WHERE team_id = ${teamId} AND name = ${name} AND deleted_at IS NULL`.pipe(
        Effect.map(first),
        unavailable
      ),
    update: (teamId, id, patch) => {
      const set: Record<string, unknown> = {}
      if (patch.openTracking !== undefined) set.open_tracking = patch.openTracking
      if (patch.clickTracking !== undefined) set.click_tracking = patch.clickTracking
      if (patch.trackingDomain !== undefined) set.tracking_domain = patch.trackingDomain
      if (patch.tlsMode !== undefined) set.tls_mode = patch.tlsMode
      if (patch.inboundEnabled !== undefined) set.inbound_enabled = patch.inboundEnabled
      if (patch.catchAll !== undefined) set.catch_all = patch.catchAll
      if (patch.streamPreference !== undefined) set.stream_preference = patch.streamPreference
      if (patch.bimiLogoUrl !== undefined) set.bimi_logo_url = patch.bimiLogoUrl
      if (patch.returnPathLabel !== undefined) set.return_path_label = patch.returnPathLabel
      const records =
        patch.dnsRecords === undefined ? sql`` : sql`, dns_records = ${recordsJson(patch.dnsRecords)}::jsonb`
      const assignments = Object.keys(set).length === 0 ? sql`` : sql`, ${sql.update(set)}`
      return sql<DomainRow>`
        UPDATE domains SET version = version + 1 ${assignments} ${records}
        WHERE team_id = ${teamId} AND id = ${id} AND deleted_at IS NULL
        RETURNING ${columns}`.pipe(Effect.map(first), unavailable)
    },
    delete: (teamId, id) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const rows = yield* sql<{ id: number }>`
              UPDATE domains SET deleted_at = now(), version = version + 1
              WHERE team_id = ${teamId} AND id = ${id} AND deleted_at IS NULL
              RETURNING id`
            if (rows.length === 0) return false
            yield* sql`DELETE FROM api_keys WHERE team_id = ${teamId} AND domain_id = ${id}`
            return true
          })
        )
        .pipe(unavailable),
    saveCheck: (id, expectedVersion, result) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const rows = yield* sql<DomainRow>`
              UPDATE domains SET dns_records = ${recordsJson(result.records)}::jsonb, status = ${result.status},
                verified_at = ${result.verifiedAt}, last_checked_at = ${result.checkedAt},
                next_check_at = ${result.nextCheckAt}, version = version + 1
              WHERE id = ${id} AND version = ${expectedVersion} AND deleted_at IS NULL
              RETURNING ${columns}`
            const saved = first(rows)
            if (Option.isNone(saved)) return saved
            for (const event of result.events.map(encodeWebhookEvent)) {
              yield* sql`
                INSERT INTO events (team_id, type, payload)
                VALUES (${saved.value.teamId}, ${event.type}, ${JSON.stringify(event.data)}::jsonb)`
            }
            return saved
          })
        )
        .pipe(unavailable),
    markVerifiedLocally: (teamId, id, at) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const before = yield* sql<{ status: Domain["status"] }>`
              SELECT status FROM domains WHERE team_id = ${teamId} AND id = ${id} AND deleted_at IS NULL FOR UPDATE`
            if (before.length === 0) return Option.none<Domain>()
            const saved = first(
              yield* sql<DomainRow>`
                UPDATE domains SET status = 'verified', verified_at = COALESCE(verified_at, ${at}),
                  verified_locally_at = ${at}, version = version + 1
                WHERE id = ${id} RETURNING ${columns}`
            )
            if (Option.isSome(saved) && before[0]?.status !== "verified") {
              const domain = saved.value
              const event = encodeWebhookEvent({
                type: "domain.verified",
                data: {
                  domain_id: domain.id,
                  public_id: domain.publicId,
                  name: domain.name,
                  status: domain.status,
                  verified_locally: true
                }
              })
              yield* sql`
                INSERT INTO events (team_id, type, payload)
                VALUES (${teamId}, ${event.type}, ${JSON.stringify(event.data)}::jsonb)`
            }
            return saved
          })
        )
        .pipe(unavailable),
    dueForCheck: (now, limit) =>
      sql<DomainRow>`
        SELECT ${columns} FROM domains WHERE deleted_at IS NULL AND next_check_at <= ${now}
        ORDER BY next_check_at LIMIT ${limit}`.pipe(Effect.map(Arr.map(toDomain)), unavailable)
  })
})

export const layer = Layer.effect(DomainRepository, make)

/**
 * Sending domains found by name are kept in memory for `ttlMs` (one query less per send); any
 * change through this process empties the cache, a change through another is seen after at most
 * `ttlMs` (and a domain that stopped being verified can no longer sign, so its mail waits).
 */
export const layerCached = (ttlMs: number) =>
  Layer.effect(
    DomainRepository,
    Effect.map(make, (repository) =>
      withReadCache(repository, {
        lookups: ["findByName"],
        ttlMs,
        keyOf: ([team, name]) => `${team}:${name}`
      })
    )
  )
