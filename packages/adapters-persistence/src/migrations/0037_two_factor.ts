import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * TOTP two-factor authentication: the secret sealed with the deployment's key (never in clear),
 * the last time step used (a code works once), backup codes as SHA-256 hashes only, and the
 * second step of sign-ins by the SHA-256 of their token.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE totp_factors (
      user_id text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      sealed_secret bytea NOT NULL,
      last_step bigint,
      enabled_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`
    CREATE TABLE totp_backup_codes (
      user_id text NOT NULL REFERENCES totp_factors (user_id) ON DELETE CASCADE,
      code_hash text NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
      used_at timestamptz,
      PRIMARY KEY (user_id, code_hash)
    )`
  yield* sql`
    CREATE TABLE sign_in_challenges (
      token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
      user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      expires_at timestamptz NOT NULL
    )`
  yield* sql`CREATE INDEX sign_in_challenges_user ON sign_in_challenges (user_id)`
})
