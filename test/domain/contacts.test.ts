import {
  applyPropertyValues,
  Contact,
  type ContactId,
  ContactProperty,
  type ContactPropertyId,
  type ContactPropertyType,
  type ContactPublicId,
  contactsCsv,
  csvCell,
  definitionProblem
} from "@poststack/domain"
import { Either } from "effect"
import { describe, expect, it } from "vitest"

const property = (name: string, type: ContactPropertyType, extra: Partial<ContactProperty> = {}) =>
  ContactProperty.make({
    id: 1 as ContactPropertyId,
    teamId: 1,
    name,
    label: name,
    type,
    options: type === "select" ? ["a", "b"] : null,
    required: false,
    createdAt: new Date(),
    ...extra
  })

const defs = [
  property("t", "text"),
  property("n", "number"),
  property("b", "boolean"),
  property("d", "date"),
  property("s", "select")
]

describe("contact property values", () => {
  it("reads each type, strings included (CSV and forms send strings)", () => {
    expect(applyPropertyValues(defs, {}, { t: "x", n: "4.5", b: "false", d: "2024-02-29", s: "b" })).toEqual(
      Either.right({ t: "x", n: 4.5, b: false, d: "2024-02-29", s: "b" })
    )
    expect(applyPropertyValues(defs, {}, { d: "2024-02-29T10:00:00+02:00" })).toEqual(
      Either.right({ d: "2024-02-29T08:00:00.000Z" })
    )
  })

  it("takes a calendar date exactly when it names a real day, as JavaScript's calendar does", () => {
    const pad = (n: number, width: number) => String(n).padStart(width, "0")
    for (const year of [1900, 1999, 2000, 2023, 2024, 2100])
      for (let month = 0; month <= 13; month++)
        for (let day = 0; day <= 32; day++) {
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`
          const at = new Date(text)
          const real = !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === text
          expect(Either.isRight(applyPropertyValues(defs, {}, { d: text })), text).toBe(real)
        }
  })

  it("names the property a wrong value was given for", () => {
    for (const [changes, named] of [
      [{ t: 5 }, "t"],
      [{ n: "" }, "n"],
      [{ n: "1e999" }, "n"],
      [{ b: "yes" }, "b"],
      [{ d: "2024-13-45" }, "d"],
      [{ d: "2023-02-29" }, "d"],
      [{ s: "c" }, "s"],
      [{ unknown: 1 }, "unknown"],
      [{ t: "x".repeat(4097) }, "t"]
    ] as const) {
      const result = applyPropertyValues(defs, {}, changes)
      expect(Either.isLeft(result) && result.left.property).toBe(named)
      expect(Either.isLeft(result) && result.left.message).toContain(`"${named}"`)
    }
  })

  it("is partial: absent keys keep their value, null clears one, required must stay set", () => {
    const required = [...defs, property("r", "text", { required: true })]
    expect(applyPropertyValues(required, { r: "x", t: "old" }, { t: null })).toEqual(Either.right({ r: "x" }))
    const cleared = applyPropertyValues(required, { r: "x" }, { r: null })
    expect(Either.isLeft(cleared) && cleared.left.property).toBe("r")
    const missing = applyPropertyValues(required, {}, { t: "y" })
    expect(Either.isLeft(missing) && missing.left.reason).toBe("is required")
  })

  it("only select properties have options, distinct and at least one", () => {
    expect(definitionProblem("select", null)).toBeDefined()
    expect(definitionProblem("select", ["a", "a"])).toBeDefined()
    expect(definitionProblem("text", ["a"])).toBeDefined()
    expect(definitionProblem("select", ["a"])).toBeUndefined()
    expect(definitionProblem("number", null)).toBeUndefined()
  })
})

describe("contacts as CSV", () => {
  it("quotes per RFC 4180 and defuses cells a spreadsheet would run", () => {
    expect(csvCell("plain")).toBe("plain")
    expect(csvCell('say "hi", ok')).toBe('"say ""hi"", ok"')
    expect(csvCell("line\r\nbreak")).toBe('"line\r\nbreak"')
    for (const lead of ["=", "+", "-", "@", "\t", "\r"])
      expect(
        csvCell(`${lead}cmd`).startsWith(`'${lead}`) || csvCell(`${lead}cmd`).startsWith(`"'${lead}`)
      ).toBe(true)
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`)
  })

  it("writes a header, one column per property, CRLF line ends", () => {
    const at = new Date("2026-01-02T03:04:05.000Z")
    const contact = Contact.make({
      id: 1 as ContactId,
      publicId: "con_0123456789abcdef01234567" as ContactPublicId,
      teamId: 1,
      email: "a@example.com",
      firstName: "A, B",
      lastName: null,
      unsubscribed: false,
      unsubscribedAt: null,
      properties: { plan: "pro", age: 3 },
      engagementSegment: "dormant",
      lastEngagedAt: null,
      createdAt: at,
      updatedAt: at
    })
    expect(contactsCsv([contact])).toBe(
      "id,email,first_name,last_name,unsubscribed,engagement_segment,created_at,age,plan\r\n" +
        'con_0123456789abcdef01234567,a@example.com,"A, B",,false,dormant,2026-01-02T03:04:05.000Z,3,pro\r\n'
    )
  })
})
