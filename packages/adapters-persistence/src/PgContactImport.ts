import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { ContactImport, StoreUnavailable } from "@poststack/application"
import { newContactPublicIds } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { CONTACT_COLUMNS, type ContactRow, insertOutbox, toContact } from "./ContactRows.js"
import { copyField, copyIn } from "./PgCopyIn.js"
import { unavailable } from "./SqlErrors.js"

/**
 * The whole import is one transaction. Each batch is copied (`COPY FROM STDIN`, text format) into a
 * temporary staging table, then moved by one set-based `INSERT ... SELECT ... ON CONFLICT DO
 * NOTHING`: the rows cross the wire once, unparsed by any statement, and the staging table lives
 * only as long as the transaction. Without events only the skipped rows' ordinals come back.
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
                const ids = newContactPublicIds(rows.length)
                // COPY's text format, written straight: the ordinal and the id need no escaping.
                let payload = ""
                for (let i = 0; i < rows.length; i++) {
                  const r = rows[i] as (typeof rows)[number]
                  payload += `${i}\t${ids[i]}\t${copyField(r.email)}\t${copyField(r.firstName)}\t${copyField(r.lastName)}\t${copyField(JSON.stringify(r.properties))}\n`
                }
                yield* sql`TRUNCATE contact_import_stage`
                yield* copyIn(
                  "COPY contact_import_stage (ord, public_id, email, first_name, last_name, properties) FROM STDIN",
                  payload
                )
                // In file order: a repeat inside the batch meets the row added before it and is skipped
                // like an address the team had (`DO NOTHING` sees the statement's own rows).
                const insert = sql`
                INSERT INTO contacts (public_id, team_id, email, first_name, last_name, properties)
                SELECT s.public_id, ${teamId}, s.email, s.first_name, s.last_name, s.properties
                FROM contact_import_stage s
                ORDER BY s.ord
                ON CONFLICT (team_id, lower(email)) DO NOTHING`
                if (events === null) {
                  // Only the skipped rows come back (usually none), not one row per contact added.
                  const skipped = yield* sql<{ ord: number }>`
                    WITH added AS (${insert} RETURNING public_id)
                    SELECT s.ord FROM contact_import_stage s
                    WHERE NOT EXISTS (SELECT FROM added a WHERE a.public_id = s.public_id)
                    ORDER BY s.ord`
                  return { imported: rows.length - skipped.length, skipped: skipped.map((r) => r.ord) }
                }
                const inserted = yield* sql<ContactRow>`${insert} RETURNING ${columns}`
                const created = inserted.map(toContact)
                if (created.length > 0) yield* insertOutbox(sql, teamId, created.flatMap(events))
                const added = created.map((c) => c.publicId)
                const kept = new Set<string>(added)
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
