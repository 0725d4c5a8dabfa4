import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { ContactImport, StoreUnavailable } from "@poststack/application"
import { newContactPublicId } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { CONTACT_COLUMNS, type ContactRow, insertOutbox, toContact } from "./ContactRows.js"
import { unavailable } from "./SqlErrors.js"

/**
 * The whole import is one transaction; each batch is one multi-row `INSERT ... SELECT FROM unnest`
 * (one array per column, so the statement's size does not grow with a row's JSON nesting) with
 * `ON CONFLICT DO NOTHING`. Without events only the added addresses come back, not whole rows.
 */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(CONTACT_COLUMNS)

  return ContactImport.of({
    run: (teamId, events, body) =>
      sql
        .withTransaction(
          body((rows) =>
            Effect.gen(function* () {
              const ids = rows.map(() => newContactPublicId())
              const emails = rows.map((r) => r.email)
              const first = rows.map((r) => r.firstName)
              const last = rows.map((r) => r.lastName)
              const props = rows.map((r) => JSON.stringify(r.properties))
              // Repeats inside the batch keep their first row; addresses the team has stay as they are.
              const insert = sql`
              INSERT INTO contacts (public_id, team_id, email, first_name, last_name, properties)
              SELECT DISTINCT ON (lower(r.email)) r.public_id, ${teamId}, r.email, r.first_name, r.last_name,
                r.properties::jsonb
              FROM unnest(${ids}::text[], ${emails}::text[], ${first}::text[], ${last}::text[], ${props}::text[])
                WITH ORDINALITY AS r (public_id, email, first_name, last_name, properties, ord)
              ORDER BY lower(r.email), r.ord
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
