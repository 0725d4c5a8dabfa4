import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // The SMTP envelope of received mail: the MAIL FROM reverse path ('' for the null sender `<>`)
  // and the RCPT TO addresses of the message that reached this row's team. NULL on rows received
  // before it was kept.
  yield* sql`
    ALTER TABLE inbound_emails
      ADD COLUMN envelope_from text,
      ADD COLUMN envelope_to text[]`
})
