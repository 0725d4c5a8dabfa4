import { SqlClient } from "@effect/sql"
import { ContactPropertyRepository } from "@poststack/application"
import {
  ContactProperty,
  ContactPropertyAlreadyExists,
  type ContactPropertyId,
  type ContactPropertyType
} from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

interface PropertyRow {
  readonly id: number
  readonly team_id: number
  readonly name: string
  readonly label: string
  readonly type: ContactPropertyType
  readonly options: ReadonlyArray<string> | null
  readonly required: boolean
  readonly created_at: Date
}

const toProperty = (row: PropertyRow): ContactProperty =>
  ContactProperty.make(
    {
      id: row.id as ContactPropertyId,
      teamId: row.team_id,
      name: row.name,
      label: row.label,
      type: row.type,
      options: row.options,
      required: row.required,
      createdAt: row.created_at
    },
    { disableValidation: true }
  )

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal("id, team_id, name, label, type, options, required, created_at")
  const options = (values: ReadonlyArray<string> | null) => (values === null ? null : JSON.stringify(values))

  return ContactPropertyRepository.of({
    list: (teamId) =>
      sql<PropertyRow>`SELECT ${columns} FROM contact_properties WHERE team_id = ${teamId} ORDER BY id`.pipe(
        Effect.map((rows) => rows.map(toProperty)),
        unavailable
      ),
    get: (teamId, id) =>
      sql<PropertyRow>`SELECT ${columns} FROM contact_properties WHERE team_id = ${teamId} AND id = ${id}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toProperty)),
        unavailable
      ),
    create: (teamId, property) =>
      sql<PropertyRow>`
        INSERT INTO contact_properties (team_id, name, label, type, options, required)
        VALUES (${teamId}, ${property.name}, ${property.label}, ${property.type},
          ${options(property.options)}::jsonb, ${property.required})
        ON CONFLICT (team_id, name) DO NOTHING
        RETURNING ${columns}`.pipe(
        unavailable,
        Effect.flatMap((rows) =>
          rows[0] === undefined
            ? Effect.fail(new ContactPropertyAlreadyExists({ name: property.name }))
            : Effect.succeed(toProperty(rows[0]))
        )
      ),
    update: (teamId, id, changes) => {
      const set = [sql`id = id`]
      if (changes.label !== undefined) set.push(sql`label = ${changes.label}`)
      if (changes.options !== undefined) set.push(sql`options = ${options(changes.options)}::jsonb`)
      if (changes.required !== undefined) set.push(sql`required = ${changes.required}`)
      return sql<PropertyRow>`
        UPDATE contact_properties SET ${sql.csv(set)} WHERE team_id = ${teamId} AND id = ${id}
        RETURNING ${columns}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toProperty)),
        unavailable
      )
    },
    remove: (teamId, id) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const rows = yield* sql<{ name: string }>`
              DELETE FROM contact_properties WHERE team_id = ${teamId} AND id = ${id} RETURNING name`
            const name = rows[0]?.name
            if (name === undefined) return false
            yield* sql`
              UPDATE contacts SET properties = properties - ${name}
              WHERE team_id = ${teamId} AND properties ? ${name}`
            return true
          })
        )
        .pipe(unavailable),
    optionUsage: (teamId, property) =>
      sql<{ value: string; n: number }>`
        SELECT properties ->> ${property.name} AS value, count(*)::int AS n FROM contacts
        WHERE team_id = ${teamId} AND properties ? ${property.name}
        GROUP BY 1`.pipe(
        Effect.map((rows) => {
          const usage: Record<string, number> = {}
          for (const option of property.options ?? []) usage[option] = 0
          for (const row of rows) usage[row.value] = row.n
          return usage
        }),
        unavailable
      )
  })
})

export const layer = Layer.effect(ContactPropertyRepository, make)
