import { WebhookEvent } from "@poststack/domain"
import { Either, ParseResult, Schema } from "effect"
import { expect } from "vitest"
import { query } from "./database.js"

const decodeExactly = Schema.decodeUnknownEither(WebhookEvent, { onExcessProperty: "error" })

/**
 * Every event the pipeline stored in the outbox reads as a `WebhookEvent`, with no key the
 * schema does not name, and the types the suite produced are among them. With `only`, just the
 * events of those types are read (for suites that also store hand-made events).
 */
export const expectStoredEventsDecode = async (
  databaseUrl: string,
  types: ReadonlyArray<string>,
  options: { readonly only?: boolean } = {}
) => {
  const rows = await query<{ type: string; payload: unknown }>(
    databaseUrl,
    "SELECT type, payload FROM events WHERE NOT $1 OR type = ANY ($2) ORDER BY id",
    [options.only === true, types]
  )
  const problems = rows.flatMap((row) => {
    const decoded = decodeExactly({ type: row.type, data: row.payload })
    return Either.isLeft(decoded)
      ? [`${row.type}: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`]
      : []
  })
  expect(problems).toEqual([])
  expect([...new Set(rows.map((row) => row.type))]).toEqual(expect.arrayContaining([...types]))
}
