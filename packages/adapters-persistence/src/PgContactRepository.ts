import { SqlClient } from "@effect/sql"
import { ContactRepository } from "@poststack/application"
import { ContactAlreadyExists, newContactPublicId } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { CONTACT_COLUMNS, type ContactRow, insertOutbox, toContact } from "./ContactRows.js"
import { compileAudience } from "./PgSegmentCompiler.js"
import { unavailable } from "./SqlErrors.js"

/** `%`, `_` and `\` match themselves in a search. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/**
 * The input addresses that were not added: those the team had, and repeats of one added (the
 * first occurrence of an address is the one imported).
 */
export const skippedRows = (
  rows: ReadonlyArray<{ readonly email: string }>,
  created: ReadonlyArray<{ readonly email: string }>
): ReadonlyArray<string> => {
  const added = new Set(created.map((c) => c.email.toLowerCase()))
  const skipped: Array<string> = []
  for (const row of rows) {
    const key = row.email.toLowerCase()
    if (added.has(key)) added.delete(key)
    else skipped.push(row.email)
  }
  return skipped
}

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(CONTACT_COLUMNS)

  return ContactRepository.of({
    create: (teamId, contact, events) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            // DO NOTHING rather than catching the unique violation: the transaction stays usable.
            const rows = yield* sql<ContactRow>`
              INSERT INTO contacts (public_id, team_id, email, first_name, last_name, unsubscribed, unsubscribed_at, properties)
              VALUES (${newContactPublicId()}, ${teamId}, ${contact.email}, ${contact.firstName}, ${contact.lastName},
                ${contact.unsubscribed}, ${contact.unsubscribed ? new Date() : null}, ${JSON.stringify(contact.properties)}::jsonb)
              ON CONFLICT (team_id, lower(email)) DO NOTHING
              RETURNING ${columns}`
            const row = Arr.head(rows)
            if (Option.isNone(row)) return Option.none()
            const created = toContact(row.value)
            yield* insertOutbox(sql, teamId, events(created))
            return Option.some(created)
          })
        )
        .pipe(
          unavailable,
          Effect.flatMap((created) =>
            Option.isSome(created) ? Effect.succeed(created.value) : Effect.fail(new ContactAlreadyExists())
          )
        ),
    list: (teamId, filter, page, perPage, countUpTo) =>
      Effect.gen(function* () {
        const where = [sql`team_id = ${teamId}`]
        if (filter.search !== undefined && filter.search !== "") {
          const pattern = likePattern(filter.search)
          // The first test is what the trigram index `contacts_search` answers (0044); the exact
          // per-field test then rechecks its candidates, so a match never spans two fields.
          where.push(
            sql`lower(email || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, '')) LIKE lower(${pattern})`,
            sql`(email ILIKE ${pattern} OR first_name ILIKE ${pattern} OR last_name ILIKE ${pattern})`
          )
        }
        if (filter.engagementSegment !== undefined)
          where.push(sql`engagement_segment = ${filter.engagementSegment}`)
        if (filter.unsubscribed !== undefined) {
          // A suppressed address counts as unsubscribed, as the contact shows it.
          const suppressed = sql`(unsubscribed OR EXISTS (SELECT 1 FROM suppressions s
            WHERE s.team_id = contacts.team_id AND lower(s.email) = lower(contacts.email)))`
          where.push(filter.unsubscribed ? suppressed : sql`NOT ${suppressed}`)
        }
        if (filter.segment !== undefined) where.push(sql`${compileAudience(sql, teamId, filter.segment)}`)
        const condition = sql.and(where)
        const rows = yield* sql<ContactRow>`
          SELECT ${columns} FROM contacts WHERE ${condition}
          ORDER BY created_at DESC, id DESC LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`
        // A bounded count stops reading once it has `countUpTo` matches.
        const counted = yield* countUpTo === undefined
          ? sql<{ n: number }>`SELECT count(*)::int AS n FROM contacts WHERE ${condition}`
          : sql<{ n: number }>`
              SELECT count(*)::int AS n FROM (SELECT 1 FROM contacts WHERE ${condition} LIMIT ${countUpTo}) bounded`
        return { contacts: rows.map(toContact), total: counted[0]?.n ?? 0 }
      }).pipe(unavailable),
    get: (teamId, id) =>
      sql<ContactRow>`SELECT ${columns} FROM contacts WHERE team_id = ${teamId} AND public_id = ${id}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toContact)),
        unavailable
      ),
    getByEmail: (teamId, email) =>
      sql<ContactRow>`
        SELECT ${columns} FROM contacts WHERE team_id = ${teamId} AND lower(email) = ${email.toLowerCase()}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toContact)),
        unavailable
      ),
    update: (teamId, id, changes, events) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const set = [sql`updated_at = now()`]
            if (changes.firstName !== undefined) set.push(sql`first_name = ${changes.firstName}`)
            if (changes.lastName !== undefined) set.push(sql`last_name = ${changes.lastName}`)
            if (changes.unsubscribed !== undefined) set.push(sql`unsubscribed = ${changes.unsubscribed}`)
            if (changes.unsubscribedAt !== undefined)
              set.push(sql`unsubscribed_at = ${changes.unsubscribedAt}`)
            if (changes.properties !== undefined)
              set.push(sql`properties = ${JSON.stringify(changes.properties)}::jsonb`)
            const rows = yield* sql<ContactRow>`
              UPDATE contacts SET ${sql.csv(set)} WHERE team_id = ${teamId} AND public_id = ${id}
              RETURNING ${columns}`
            const row = Arr.head(rows)
            if (Option.isNone(row)) return Option.none()
            const updated = toContact(row.value)
            yield* insertOutbox(sql, teamId, events(updated))
            return Option.some(updated)
          })
        )
        .pipe(unavailable),
    remove: (teamId, id, events) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const rows = yield* sql<ContactRow>`
              DELETE FROM contacts WHERE team_id = ${teamId} AND public_id = ${id} RETURNING ${columns}`
            const row = Arr.head(rows)
            if (Option.isNone(row)) return Option.none()
            const removed = toContact(row.value)
            yield* insertOutbox(sql, teamId, events(removed))
            return Option.some(removed)
          })
        )
        .pipe(unavailable),
    importMany: (teamId, rows, events) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const input = rows.map((r, i) => ({
              ord: i,
              public_id: newContactPublicId(),
              email: r.email,
              first_name: r.firstName,
              last_name: r.lastName,
              properties: r.properties
            }))
            // One statement for the whole set: rows repeated in the input keep their first
            // occurrence, addresses the team already has are left as they are.
            const inserted = yield* sql<ContactRow>`
              INSERT INTO contacts (public_id, team_id, email, first_name, last_name, properties)
              SELECT DISTINCT ON (lower(r.email)) r.public_id, ${teamId}, r.email, r.first_name, r.last_name,
                coalesce(r.properties, '{}'::jsonb)
              FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
                AS r (ord int, public_id text, email text, first_name text, last_name text, properties jsonb)
              ORDER BY lower(r.email), r.ord
              ON CONFLICT (team_id, lower(email)) DO NOTHING
              RETURNING ${columns}`
            const created = inserted.map(toContact)
            if (created.length > 0) yield* insertOutbox(sql, teamId, created.flatMap(events))
            return { imported: created.length, skipped: skippedRows(rows, created) }
          })
        )
        .pipe(unavailable),
    all: (teamId, segment) =>
      sql<ContactRow>`
        SELECT ${columns} FROM contacts
        WHERE team_id = ${teamId} ${segment === undefined ? sql`` : sql`AND ${compileAudience(sql, teamId, segment)}`}
        ORDER BY created_at, id`.pipe(
        Effect.map((rows) => rows.map(toContact)),
        unavailable
      )
  })
})

export const layer = Layer.effect(ContactRepository, make)
