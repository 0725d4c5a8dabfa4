import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // Who opened or clicked: the parsed client and the reader's network (never the full address).
  yield* sql`
    ALTER TABLE email_events
      ADD COLUMN ua_client_name text,
      ADD COLUMN ua_client_type text,
      ADD COLUMN ua_os text,
      ADD COLUMN ua_device_type text,
      ADD COLUMN client_network text,
      ADD COLUMN geo_country text,
      ADD COLUMN geo_region text,
      ADD COLUMN geo_city text,
      ADD COLUMN is_prefetch boolean NOT NULL DEFAULT false`
  // One unsubscribe event per recipient, however often the link is used.
  yield* sql`
    CREATE UNIQUE INDEX email_events_unsubscribed_once ON email_events (delivery_id)
    WHERE event_type = 'unsubscribed'`
})
