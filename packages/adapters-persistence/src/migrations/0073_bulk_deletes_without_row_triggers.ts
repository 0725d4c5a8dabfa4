import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Retention and erasure delete rows by the million. A foreign key costs one trigger call per
 * deleted row that it points at, measured at two thirds of the time of a retention pass and
 * more than half of an erasure's; these keys go, and the deletions stay whole otherwise:
 *
 * - A webhook delivery's `event_id` pointed at its outbox event (`ON DELETE SET NULL`). It stays
 *   as the fan-out's idempotency key (unique with the webhook); the delivery keeps the event's
 *   public id and data and never reads the event row again, so a dangling number is harmless.
 *   The index that served only that trigger goes too.
 * - An email's deliveries, events (engagement too), attachments and the suppressions it caused
 *   pointed at it (`ON DELETE CASCADE`, `SET NULL`). One statement-level trigger now does the
 *   same for every statement that deletes emails (retention, erasure, a team's deletion): one
 *   statement per table, probing its email index with the deleted ids as an array. Sequential
 *   scans are off inside the function: for ten thousand ids the planner preferred reading a
 *   whole table of deliveries, once per batch, to ten thousand probes (measured 72 ms against
 *   6 ms on 200,000 rows, and growing with the table). Deliveries and their events are deleted only with
 *   their email, so the delivery-to-event key goes without a replacement.
 *
 * And erasure's search for the emails that name an address reads the deliveries' recipient
 * index in email order, a batch after the last email erased: the index gains `email_id`.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE webhook_deliveries DROP CONSTRAINT IF EXISTS webhook_deliveries_event_id_fkey`
  yield* sql`DROP INDEX IF EXISTS webhook_deliveries_event`

  yield* sql`ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_email_id_fkey`
  yield* sql`ALTER TABLE email_attachments DROP CONSTRAINT IF EXISTS email_attachments_email_id_fkey`
  yield* sql`ALTER TABLE email_events DROP CONSTRAINT IF EXISTS email_events_email_id_fkey`
  yield* sql`ALTER TABLE email_events DROP CONSTRAINT IF EXISTS email_events_delivery_id_fkey`
  yield* sql`ALTER TABLE suppressions DROP CONSTRAINT IF EXISTS suppressions_source_email_id_fkey`
  yield* sql`
    CREATE FUNCTION emails_deleted() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS $$
    DECLARE ids bigint[] := ARRAY(SELECT id FROM gone);
    BEGIN
      DELETE FROM email_events WHERE email_id = ANY (ids);
      DELETE FROM email_attachments WHERE email_id = ANY (ids);
      DELETE FROM deliveries WHERE email_id = ANY (ids);
      UPDATE suppressions SET source_email_id = NULL WHERE source_email_id = ANY (ids);
      RETURN NULL;
    END $$`
  yield* sql`
    CREATE TRIGGER emails_deleted AFTER DELETE ON emails REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION emails_deleted()`

  yield* sql`CREATE INDEX deliveries_team_recipient_email ON deliveries (team_id, lower(recipient), email_id)`
  yield* sql`DROP INDEX IF EXISTS deliveries_team_recipient`
})
