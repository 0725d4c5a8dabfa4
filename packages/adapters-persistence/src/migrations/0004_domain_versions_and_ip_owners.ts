import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // Every write to a domain bumps its version, so a DNS check computed from an older read cannot overwrite newer state.
  yield* sql`ALTER TABLE domains ADD COLUMN version integer NOT NULL DEFAULT 0`
  // A dedicated address belongs to one team, or (NULL) to the deployment's shared pool.
  yield* sql`ALTER TABLE ip_addresses ADD COLUMN team_id integer REFERENCES teams (id) ON DELETE SET NULL`
})
