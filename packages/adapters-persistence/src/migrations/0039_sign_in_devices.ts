import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The devices a person signed in from, so a sign-in from a new one can be mailed to them. Only a
 * hash of the address and the browser is kept, never the address or the user agent themselves;
 * a device unseen for 90 days is forgotten at the person's next sign-in (but the newest one, which
 * tells that they signed in before).
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE sign_in_devices (
      user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      device_hash text NOT NULL,
      first_seen_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, device_hash)
    )`
})
