import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * What retention and erasure delete in bulk. Deleting a row makes PostgreSQL look up every row
 * whose foreign key points at it; without an index each lookup reads the whole referencing table,
 * once per deleted row. These indexes make each lookup a probe: an email's events by delivery, the
 * suppressions an email caused, the webhook deliveries of an outbox event. Webhook deliveries get
 * one by team and age for the retention pass itself.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE INDEX IF NOT EXISTS email_events_delivery ON email_events (delivery_id) WHERE delivery_id IS NOT NULL`
  yield* sql`
    CREATE INDEX IF NOT EXISTS suppressions_source_email ON suppressions (source_email_id)
    WHERE source_email_id IS NOT NULL`
  yield* sql`
    CREATE INDEX IF NOT EXISTS webhook_deliveries_event ON webhook_deliveries (event_id)
    WHERE event_id IS NOT NULL`
  yield* sql`CREATE INDEX IF NOT EXISTS webhook_deliveries_team_created ON webhook_deliveries (team_id, created_at)`
})
