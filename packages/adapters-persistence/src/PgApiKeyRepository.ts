import { SqlClient } from "@effect/sql"
import { ApiKeyRepository } from "@poststack/application"
import { ApiKey, type ApiKeyId, type ApiKeyMode, type ApiKeyPermission, type TeamId } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { withReadCache } from "./ReadCache.js"
import { unavailable } from "./SqlErrors.js"

interface ApiKeyRow {
  readonly id: number
  readonly team_id: number
  readonly name: string
  readonly key_prefix: string
  readonly permission: ApiKeyPermission
  readonly mode: ApiKeyMode
  readonly domain_id: number | null
  readonly last_used_at: Date | null
  readonly expires_at: Date | null
  readonly created_at: Date
}

export const toApiKey = (row: ApiKeyRow): ApiKey =>
  ApiKey.make({
    id: row.id as ApiKeyId,
    teamId: row.team_id as TeamId,
    name: row.name,
    keyPrefix: row.key_prefix,
    permission: row.permission,
    mode: row.mode,
    domainId: row.domain_id,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    createdAt: row.created_at
  })

export const API_KEY_COLUMNS =
  "id, team_id, name, key_prefix, permission, mode, domain_id, last_used_at, expires_at, created_at"

const firstKey = (rows: ReadonlyArray<ApiKeyRow>): Option.Option<ApiKey> =>
  Option.map(Arr.head(rows), toApiKey)

const exactlyOne = (rows: ReadonlyArray<ApiKeyRow>): ApiKey =>
  Option.getOrThrowWith(firstKey(rows), () => new Error("statement returned no row"))

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(API_KEY_COLUMNS)

  return ApiKeyRepository.of({
    insert: (key) =>
      sql<ApiKeyRow>`
        INSERT INTO api_keys (team_id, name, key_prefix, key_hash, permission, mode, domain_id)
        VALUES (${key.teamId}, ${key.name}, ${key.keyPrefix}, ${Buffer.from(key.keyHash)}, ${key.permission},
                ${key.mode}, ${key.domainId})
        RETURNING ${columns}`.pipe(Effect.map(exactlyOne), unavailable),
    findByHash: (keyHash) =>
      sql<ApiKeyRow>`
        SELECT ${columns} FROM api_keys WHERE key_hash = ${Buffer.from(keyHash)} AND key_hash_peppered`.pipe(
        Effect.map(firstKey),
        unavailable
      ),
    list: (teamId) =>
      sql<ApiKeyRow>`SELECT ${columns} FROM api_keys WHERE team_id = ${teamId} ORDER BY id`.pipe(
        Effect.map(Arr.map(toApiKey)),
        unavailable
      ),
    get: (teamId, id) =>
      sql<ApiKeyRow>`SELECT ${columns} FROM api_keys WHERE team_id = ${teamId} AND id = ${id}`.pipe(
        Effect.map(firstKey),
        unavailable
      ),
    rename: (teamId, id, name) =>
      sql<ApiKeyRow>`
        UPDATE api_keys SET name = ${name} WHERE team_id = ${teamId} AND id = ${id} RETURNING ${columns}`.pipe(
        Effect.map(firstKey),
        unavailable
      ),
    rotate: (teamId, id, secret) =>
      sql<ApiKeyRow>`
        WITH old AS (DELETE FROM api_keys WHERE team_id = ${teamId} AND id = ${id} RETURNING *)
        INSERT INTO api_keys (team_id, name, key_prefix, key_hash, permission, mode, domain_id, expires_at)
        SELECT team_id, name, ${secret.keyPrefix}, ${Buffer.from(secret.keyHash)}, permission, mode, domain_id,
               expires_at
        FROM old
        RETURNING ${columns}`.pipe(Effect.map(firstKey), unavailable),
    delete: (teamId, id) =>
      sql<{ id: number }>`DELETE FROM api_keys WHERE team_id = ${teamId} AND id = ${id} RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    touch: (id, at) =>
      sql`UPDATE api_keys SET last_used_at = ${at} WHERE id = ${id}`.pipe(Effect.asVoid, unavailable),
    legacyHashes: () =>
      sql<{ id: number; key_hash: Uint8Array }>`
        SELECT id, key_hash FROM api_keys WHERE NOT key_hash_peppered ORDER BY id`.pipe(
        Effect.map(Arr.map((row) => ({ id: row.id as ApiKeyId, sha256: new Uint8Array(row.key_hash) }))),
        unavailable
      ),
    pepperLegacyHash: (id, sha256, peppered) =>
      sql<{ id: number }>`
        UPDATE api_keys SET key_hash = ${Buffer.from(peppered)}, key_hash_peppered = true
        WHERE id = ${id} AND key_hash = ${Buffer.from(sha256)} AND NOT key_hash_peppered
        RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      )
  })
})

export const layer = Layer.effect(ApiKeyRepository, make)

/**
 * Keys found by their hash are kept in memory for `ttlMs`, so a request costs one query less; a
 * key revoked, rotated or renamed through this process is forgotten at once, through another
 * process after at most `ttlMs`.
 */
export const layerCached = (ttlMs: number) =>
  Layer.effect(
    ApiKeyRepository,
    Effect.map(make, (repository) =>
      withReadCache(repository, {
        lookups: ["findByHash"],
        ttlMs,
        keyOf: ([hash]) => Buffer.from(hash as Uint8Array).toString("hex")
      })
    )
  )
