import { Schema } from "effect"

/**
 * One event as its receivers see it: the wire `type` (the tag) and its `data`, with the keys and
 * casing of the contract. The envelope's `id` and `timestamp` are the outbox row's, added when it
 * is sent.
 */
export const eventSchema = <Type extends string, Fields extends Schema.Struct.Fields>(
  type: Type,
  fields: Fields
) => Schema.Struct({ type: Schema.Literal(type), data: Schema.Struct(fields) })

/** A key the event carries only in some cases (left out, never `null`, otherwise). */
export const optional = <S extends Schema.Schema.All>(schema: S) =>
  Schema.optionalWith(schema, { exact: true })

/**
 * An instant on the wire: ISO 8601 with a zone, as `Date.toISOString` writes it (PostgreSQL's
 * `+00:00` form, found in events stored before 0026, reads too).
 */
export const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

export const Timestamp = Schema.String.pipe(
  Schema.pattern(TIMESTAMP_PATTERN),
  Schema.annotations({ identifier: "Timestamp" })
)
