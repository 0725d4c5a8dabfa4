import { SqlClient } from "@effect/sql"
import { ApiKeyRepository } from "@poststack/application"
import { ApiKey, ApiKeyId } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Schema } from "effect"
import { decodeRows } from "./PgRows.js"
import { withReadCache } from "./ReadCache.js"
import { unavailable } from "./SqlErrors.js"

/** The `api_keys` columns, named as `ApiKey`'s fields: a row decodes as the domain's class itself. */
export const API_KEY_COLUMNS = `id, team_id AS "teamId", name, key_prefix AS "keyPrefix", permission, mode,
  domain_id AS "domainId", last_used_at AS "lastUsedAt", expires_at AS "expiresAt", created_at AS "createdAt"`

const keyRows = decodeRows("api_keys", ApiKey)
const firstKey = (rows: ReadonlyArray<unknown>) => Effect.map(keyRows(rows), Arr.head)
const exactlyOne = (rows: ReadonlyArray<unknown>) =>
  Effect.flatMap(
    firstKey(rows),
    Effect.orDieWith(() => new Error("statement returned no row"))
  )

const LegacyHashRow = Schema.Struct({ id: ApiKeyId, sha256: Schema.Uint8ArrayFromSelf })
const legacyHashRows = decodeRows("api_keys", LegacyHashRow)

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(API_KEY_COLUMNS)

  return ApiKeyRepository.of({
    insert: (key) =>
      sql`
        INSERT INTO api_keys (team_id, name, key_prefix, key_hash, permission, mode, domain_id)
        VALUES (${key.teamId}, ${key.name}, ${key.keyPrefix}, ${Buffer.from(key.keyHash)}, ${key.permission},
                ${key.mode}, ${key.domainId})
        RETURNING ${columns}`.pipe(Effect.flatMap(exactlyOne), unavailable),
    findByHash: (keyHash) =>
      sql`
        SELECT ${columns} FROM api_keys WHERE key_hash = ${Buffer.from(keyHash)} AND key_hash_peppered`.pipe(
        Effect.flatMap(firstKey),
        unavailable
      ),
    closedTeamOf: (keyHash) =>
      sql`SELECT 1 FROM closed_team_keys WHERE key_hash = ${Buffer.from(keyHash)}`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    list: (teamId) =>
      sql`SELECT ${columns} FROM api_keys WHERE team_id = ${teamId} ORDER BY id`.pipe(
        Effect.flatMap(keyRows),
        unavailable
      ),
    get: (teamId, id) =>
      sql`SELECT ${columns} FROM api_keys WHERE team_id = ${teamId} AND id = ${id}`.pipe(
        Effect.flatMap(firstKey),
        unavailable
      ),
    rename: (teamId, id, name) =>
      sql`
        UPDATE api_keys SET name = ${name} WHERE team_id = ${teamId} AND id = ${id} RETURNING ${columns}`.pipe(
        Effect.flatMap(firstKey),
        unavailable
      ),
    rotate: (teamId, id, secret) =>
      sql`
        WITH old AS (DELETE FROM api_keys WHERE team_id = ${teamId} AND id = ${id} RETURNING *)
        INSERT INTO api_keys (team_id, name, key_prefix, key_hash, permission, mode, domain_id, expires_at)
        SELECT team_id, name, ${secret.keyPrefix}, ${Buffer.from(secret.keyHash)}, permission, mode, domain_id,
               expires_at
        FROM old
        RETURNING ${columns}`.pipe(Effect.flatMap(firstKey), unavailable),
    delete: (teamId, id) =>
      sql<{ id: number }>`DELETE FROM api_keys WHERE team_id = ${teamId} AND id = ${id} RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    touch: (id, at) =>
      sql`UPDATE api_keys SET last_used_at = ${at} WHERE id = ${id}`.pipe(Effect.asVoid, unavailable),
    legacyHashes: () =>
      sql`SELECT id, key_hash AS sha256 FROM api_keys WHERE NOT key_hash_peppered ORDER BY id`.pipe(
        Effect.flatMap(legacyHashRows),
        Effect.map(Arr.map((row) => ({ id: row.id, sha256: new Uint8Array(row.sha256) }))),
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
        // Both are reads: an unknown key asking about closed teams must not empty the cache.
        lookups: ["findByHash", "closedTeamOf"],
        ttlMs,
        keyOf: ([hash]) => Buffer.from(hash as Uint8Array).toString("hex")
      })
    )
  )
