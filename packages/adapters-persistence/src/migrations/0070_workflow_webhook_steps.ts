import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * A workflow's `webhook` step queues one delivery to the endpoint it names, outside the outbox
 * fan-out (no `events` row: no other endpoint gets it). Its event id is derived from the run and
 * the node (`evt_wf…`), and this index makes it the delivery's key, so a step repeated after a
 * crash finds the delivery it queued instead of queueing a second. Fan-out ids (`evt_` and hex)
 * never start that way.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE UNIQUE INDEX webhook_deliveries_workflow_step ON webhook_deliveries (webhook_id, event_public_id)
    WHERE event_public_id LIKE 'evt\\_wf%'`
})
