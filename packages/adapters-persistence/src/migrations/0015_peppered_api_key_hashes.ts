import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * API key hashes become peppered: `HMAC-SHA256(pepper, SHA-256(secret))`, the pepper derived from
 * the encryption key, which the database never sees. So SQL cannot convert the rows itself: it
 * marks the hashes stored until now (plain SHA-256) as legacy, and the server converts them at
 * start (`PepperLegacyKeyHashes`) from the stored SHA-256 alone, without knowing any key. Rows
 * written from now on are peppered (the column's default).
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE api_keys ADD COLUMN key_hash_peppered boolean NOT NULL DEFAULT false`
  yield* sql`ALTER TABLE api_keys ALTER COLUMN key_hash_peppered SET DEFAULT true`
  yield* sql`CREATE INDEX api_keys_legacy_hash ON api_keys (id) WHERE NOT key_hash_peppered`
})
