import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Outbox events are the largest table retention empties. A webhook delivery's `event_id` pointed
 * at its event with `ON DELETE SET NULL`, which PostgreSQL enforces with one trigger call per
 * deleted event: two thirds of the purge's time, measured. The column stays as the fan-out's
 * idempotency key (unique with the webhook); the delivery keeps the event's public id and data
 * and never reads the event row again, so a dangling number is harmless. The index that existed
 * only for that trigger goes with it.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE webhook_deliveries DROP CONSTRAINT IF EXISTS webhook_deliveries_event_id_fkey`
  yield* sql`DROP INDEX IF EXISTS webhook_deliveries_event`
})
