import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Accounts at sign-in providers (GitHub) linked to people: only the account id there, the profile
 * name, the verified email and the avatar URL (P02). A person may now have no password.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE linked_identities (
      provider text NOT NULL CHECK (provider IN ('github')),
      provider_id text NOT NULL,
      user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      name text NOT NULL,
      email text NOT NULL,
      avatar_url text,
      linked_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (provider, provider_id),
      UNIQUE (user_id, provider)
    )`
})
