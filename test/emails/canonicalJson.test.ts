import { canonicalJson } from "@poststack/application"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

/** The form request hashes were first computed with: `JSON.stringify` with a key-sorting replacer. */
const byReplacer = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))
        )
      : v
  )

// Keys as people send them in headers and variables: any text, names that differ only in case,
// and names that are array indexes (which an object lists first whatever their order).
const key = fc.oneof(
  fc.string(),
  fc.constantFrom(
    "a",
    "B",
    "b",
    "A",
    "_x",
    "X-Tag",
    "x-tag",
    "0",
    "1",
    "10",
    "2",
    "01",
    "4294967294",
    "4294967295",
    "-1"
  ),
  fc.nat().map(String)
)
const leaf = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: true })
)
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(key, tie("value"), { maxKeys: 6 })
}))

describe("the canonical JSON a send request is hashed from", () => {
  it("is the very text the sorting replacer wrote, so stored request hashes keep matching", () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 8 }), (object) => {
        expect(canonicalJson(object)).toBe(byReplacer(object))
      }),
      { numRuns: 2000 }
    )
  })

  it("sorts keys, whatever order they came in", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"z":0}]},"b":1}'
    )
    expect(canonicalJson({ subject: "x", to: ["a@b.c"] })).toBe(
      canonicalJson({ to: ["a@b.c"], subject: "x" })
    )
  })
})
