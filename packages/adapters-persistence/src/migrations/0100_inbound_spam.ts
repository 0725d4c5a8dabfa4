import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The spam filter's reading of received mail, taken by the MX before the row is written: rspamd's
 * points and the verdict its action gives. NULL on rows no filter scored (none configured, no
 * answer in time, or received before this).
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    ALTER TABLE inbound_emails
      ADD COLUMN spam_score double precision,
      ADD COLUMN spam_verdict text CONSTRAINT inbound_emails_spam_verdict_check CHECK (spam_verdict IN ('spam', 'clean'))`
})
