import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Where the engagement task stands (one row), an index for its decay pass, and a trigram index so
 * a contact search (`ILIKE '%text%'` over email and names) does not read the whole team.
 *
 * The decay index is partial: only `active` and `at_risk` contacts can lose their segment, and
 * leaving the (usually many) dormant ones out keeps it small and free for imports. The search index
 * covers one expression of the three fields, so an insert updates one GIN index, not three; the
 * query keeps the exact per-field test as the recheck. `pg_trgm` is a trusted extension: a
 * database owner without superuser rights may create it.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE contact_engagement_progress (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      resume_after bigint NOT NULL DEFAULT 0,
      read_through bigint NOT NULL DEFAULT 0,
      full_pass_at timestamptz
    )`
  yield* sql`INSERT INTO contact_engagement_progress DEFAULT VALUES`
  yield* sql`
    CREATE INDEX contacts_engagement_decay ON contacts (engagement_segment, last_engaged_at)
    WHERE engagement_segment <> 'dormant'`
  yield* sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`
  yield* sql`
    CREATE INDEX contacts_search ON contacts USING gin (
      (lower(email || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, ''))) gin_trgm_ops)`
})
