import { SqlClient } from "@effect/sql"
import { DkimKeyRepository } from "@poststack/application"
import { DkimKey, type DkimKeyId, type DkimKeyState, type DomainId, type TeamId } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

export interface DkimKeyRow {
  readonly id: number
  readonly domain_id: number
  readonly selector: string
  readonly public_key: string
  readonly state: DkimKeyState
  readonly created_at: Date
  readonly published_at: Date | null
  readonly activates_after: Date | null
  readonly retire_after: Date | null
}

export const DKIM_KEY_COLUMNS =
  "id, domain_id, selector, public_key, state, created_at, published_at, activates_after, retire_after"

export const toDkimKey = (row: DkimKeyRow): DkimKey =>
  DkimKey.make({
    id: row.id as DkimKeyId,
    domainId: row.domain_id as DomainId,
    selector: row.selector,
    publicKey: row.public_key,
    state: row.state,
    createdAt: row.created_at,
    publishedAt: row.published_at,
    activatesAfter: row.activates_after,
    retireAfter: row.retire_after
  })

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(DKIM_KEY_COLUMNS)

  return DkimKeyRepository.of({
    keys: (domainId) =>
      sql<DkimKeyRow>`
        SELECT ${columns} FROM dkim_keys WHERE domain_id = ${domainId} AND state <> 'retired' ORDER BY id`.pipe(
        Effect.map(Arr.map(toDkimKey)),
        unavailable
      ),
    selectors: (domainId) =>
      sql<{ selector: string }>`SELECT selector FROM dkim_keys WHERE domain_id = ${domainId}`.pipe(
        Effect.map(Arr.map((r) => r.selector)),
        unavailable
      ),
    signingKey: (domainId) =>
      sql<{ id: number; selector: string; private_key_sealed: Buffer; name: string }>`
        SELECT k.id, k.selector, k.private_key_sealed, d.name
        FROM dkim_keys k JOIN domains d ON d.id = k.domain_id
        WHERE k.domain_id = ${domainId} AND k.state = 'active' AND d.deleted_at IS NULL AND d.status = 'verified'`.pipe(
        Effect.map((rows) =>
          Option.map(Arr.head(rows), (r) => ({
            keyId: r.id as DkimKeyId,
            domainName: r.name,
            selector: r.selector,
            sealedPrivateKey: new Uint8Array(r.private_key_sealed)
          }))
        ),
        unavailable
      ),
    addPending: (domainId, key) =>
      sql<DkimKeyRow>`
        INSERT INTO dkim_keys (domain_id, selector, public_key, private_key_sealed, state)
        VALUES (${domainId}, ${key.selector}, ${key.publicKey}, ${Buffer.from(key.sealedPrivateKey)}, 'pending')
        ON CONFLICT (domain_id) WHERE state = 'pending' DO NOTHING
        RETURNING ${columns}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toDkimKey)),
        unavailable
      ),
    markPublished: (keyId, publishedAt, activatesAfter) =>
      sql`
        UPDATE dkim_keys SET published_at = ${publishedAt}, activates_after = ${activatesAfter}
        WHERE id = ${keyId} AND published_at IS NULL`.pipe(Effect.asVoid, unavailable),
    activatePending: (domainId, keyId, retireAfter) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            // Serialise with other activations and cancellations of the same domain.
            yield* sql`SELECT id FROM domains WHERE id = ${domainId} FOR UPDATE`
            const pending = yield* sql<{ id: number }>`
              SELECT id FROM dkim_keys
              WHERE id = ${keyId} AND domain_id = ${domainId} AND state = 'pending' AND published_at IS NOT NULL`
            if (pending.length === 0) return false
            yield* sql`
              UPDATE dkim_keys SET state = 'retiring', retire_after = ${retireAfter}
              WHERE domain_id = ${domainId} AND state = 'active'`
            yield* sql`UPDATE dkim_keys SET state = 'active' WHERE id = ${keyId}`
            return true
          })
        )
        .pipe(unavailable),
    cancelPending: (domainId) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`SELECT id FROM domains WHERE id = ${domainId} FOR UPDATE`
            const rows = yield* sql<{ id: number }>`
              UPDATE dkim_keys SET state = 'retired' WHERE domain_id = ${domainId} AND state = 'pending' RETURNING id`
            return rows.length > 0
          })
        )
        .pipe(unavailable),
    dueForActivation: (now) =>
      sql<DkimKeyRow & { team_id: number; domain_name: string }>`
        SELECT ${sql.literal(
          DKIM_KEY_COLUMNS.split(", ")
            .map((c) => `k.${c}`)
            .join(", ")
        )}, d.team_id, d.name AS domain_name
        FROM dkim_keys k JOIN domains d ON d.id = k.domain_id
        WHERE k.state = 'pending' AND k.activates_after <= ${now} AND d.deleted_at IS NULL`.pipe(
        Effect.map(
          Arr.map((r) => ({
            teamId: r.team_id as TeamId,
            domainId: r.domain_id as DomainId,
            domainName: r.domain_name,
            key: toDkimKey(r)
          }))
        ),
        unavailable
      ),
    retireExpired: (now) =>
      sql<{ team_id: number; domain_id: number }>`
        UPDATE dkim_keys k SET state = 'retired' FROM domains d
        WHERE k.domain_id = d.id AND k.state = 'retiring' AND k.retire_after <= ${now}
        RETURNING d.team_id, k.domain_id`.pipe(
        Effect.map(Arr.map((r) => ({ teamId: r.team_id as TeamId, domainId: r.domain_id as DomainId }))),
        unavailable
      )
  })
})

export const layer = Layer.effect(DkimKeyRepository, make)
