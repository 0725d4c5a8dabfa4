import { Data, Effect, ParseResult, Schema } from "effect"

/**
 * A `bigint` column as node-postgres returns it (text), read as the domain's branded id. The
 * id stays below 2^53, past which a JavaScript number would no longer name it exactly.
 */
export const BigIntId = <A extends number, R>(id: Schema.Schema<A, number, R>) =>
  Schema.compose(Schema.NumberFromString, id)

/**
 * A stored row that does not read as the domain says it must (a status no version wrote, a
 * column of the wrong shape): the store's fault, never the caller's, so it is a defect, and the
 * row is not passed on with a wrong value in it. The message names the table and the fields, not
 * their values, which may be personal data.
 */
export class CorruptRow extends Data.TaggedError("CorruptRow")<{
  readonly table: string
  readonly fields: ReadonlyArray<string>
}> {
  override get message() {
    return `a row of ${this.table} does not decode (${this.fields.join(", ") || "row"})`
  }
}

const corrupt = (table: string, error: ParseResult.ParseError) =>
  Effect.die(
    new CorruptRow({
      table,
      fields: [
        ...new Set(
          ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) =>
            // Array indexes (which row of a list) are left out: the field is what went wrong.
            issue.path.filter((key) => typeof key !== "number").join(".")
          )
        )
      ]
    })
  )

/** Turns a row's decoding failure (from `SqlSchema` or `decodeRows`) into a `CorruptRow` defect. */
export const orCorrupt =
  (table: string) =>
  <A, E, R>(
    effect: Effect.Effect<A, E | ParseResult.ParseError, R>
  ): Effect.Effect<A, Exclude<E, ParseResult.ParseError>, R> =>
    Effect.catchIf(
      effect,
      (e): e is ParseResult.ParseError => ParseResult.isParseError(e),
      (e) => corrupt(table, e)
    ) as Effect.Effect<A, Exclude<E, ParseResult.ParseError>, R>

/** Decodes rows a query returned (where `SqlSchema` does not fit: a query built from parts). */
export const decodeRows = <A, I, R>(table: string, schema: Schema.Schema<A, I, R>) => {
  const decode = Schema.decodeUnknown(Schema.Array(schema))
  return (rows: ReadonlyArray<unknown>) => orCorrupt(table)(decode(rows))
}
