import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { ContactImport, StoreUnavailable } from "@poststack/application"
import { newContactPublicId } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { CONTACT_COLUMNS, type ContactRow, insertOutbox, toContact } from "./ContactRows.js"
import { copyIn, copyText } from "./PgCopyIn.js"
import { unavailable } from "./SqlErrors.js"

/**
 * The whole import is one transaction. Each batch is copied (`COPY FROM STDIN`, text format) into a
 * temporary staging table, then moved by one set-based `INSERT ... SELECT ... ON CONFLICT DO
 * NOTHING`: the rows cross the wire once, unparsed by any statement, and the staging table lives
 * only as long as the transaction. Without events only the added ids come back, not whole rows.
 */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(CONTACT_COLUMNS)

  return ContactImport.of({
    run: (teamId, events, body) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`
              CREATE TEMPORARY TABLE contact_import_stage (
                ord integer, public_id text, email text, first_name text, last_name text, properties jsonb
              ) ON COMMIT DROP`.pipe(unavailable)
            return yield* body((rows) =>
              Effect.gen(function* () {
                const ids = rows.map(() => newContactPublicId())
                yield* sql`TRUNCATE contact_import_stage`
                yield* copyIn(
                  "COPY contact_import_stage (ord, public_id, email, first_name, last_name, properties) FROM STDIN",
                  copyText(
                    rows.map((r, i) => [
                      i,
                      ids[i] ?? null,
                      r.email,
                      r.firstName,
                      r.lastName,
                      JSON.stringify(r.properties)
                    ])
                  )
                )
                // Repeats inside the batch keep their first row; addresses the team has stay as they are.
                const insert = sql`
                INSERT INTO contacts (public_id, team_id, email, first_name, last_name, properties)
                SELECT DISTINCT ON (lower(s.email)) s.public_id, ${teamId}, s.email, s.first_name, s.last_name, s.properties
                FROM contact_import_stage s
                ORDER BY lower(s.email), s.ord
                ON CONFLICT (team_id, lower(email)) DO NOTHING`
                let added: ReadonlyArray<string>
                if (events === null) {
                  const inserted = yield* sql<{ public_id: string }>`${insert} RETURNING public_id`
                  added = inserted.map((r) => r.public_id)
                } else {
                  const inserted = yield* sql<ContactRow>`${insert} RETURNING ${columns}`
                  const created = inserted.map(toContact)
                  if (created.length > 0) yield* insertOutbox(sql, teamId, created.flatMap(events))
                  added = created.map((c) => c.publicId)
                }
                const kept = new Set(added)
                const skipped: Array<number> = []
                ids.forEach((id, i) => {
                  if (!kept.has(id)) skipped.push(i)
                })
                return { imported: added.length, skipped }
              }).pipe(unavailable)
            )
          })
        )
        .pipe(
          // The transaction's own begin/commit failing: the body's errors pass through as they are.
          Effect.catchIf(
            (e): e is SqlError => e instanceof SqlError,
            () => Effect.fail(new StoreUnavailable({ message: "The database is unavailable" }))
          )
        )
  })
})

export const layer = Layer.effect(ContactImport, make)
