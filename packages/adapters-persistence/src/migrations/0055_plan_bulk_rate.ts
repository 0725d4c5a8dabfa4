import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * A plan's hourly rate of bulk (marketing) mail per team: deliveries past it wait in the queue for
 * the next hour (see `claim_delivery_ids` in 0054). `NULL`: no rate.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE plans ADD COLUMN bulk_hourly_limit bigint CHECK (bulk_hourly_limit >= 0)`
})
