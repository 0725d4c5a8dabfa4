import {
  Contact,
  type ContactId,
  ContactProperty,
  type ContactPropertyId,
  type ContactPropertyType,
  type ContactPublicId,
  matches,
  type ResolvedRules,
  resolveRules,
  type SegmentRules
} from "@poststack/domain"
import { Either } from "effect"
import { describe, expect, it } from "vitest"

const property = (name: string, type: ContactPropertyType) =>
  ContactProperty.make({
    id: 1 as ContactPropertyId,
    teamId: 1,
    name,
    label: name,
    type,
    options: type === "select" ? ["Pro", "Free"] : null,
    required: false,
    createdAt: new Date()
  })

const defs = [
  property("plan", "select"),
  property("seats", "number"),
  property("vip", "boolean"),
  property("renewal", "date"),
  property("city", "text")
]
const now = new Date("2026-06-15T12:00:00Z")

const contact = (fields: Partial<Contact> = {}) =>
  Contact.make({
    id: 1 as ContactId,
    publicId: "con_000000000000000000000001" as ContactPublicId,
    teamId: 1,
    email: "Ann@Example.com",
    firstName: "Ann",
    lastName: null,
    unsubscribed: false,
    unsubscribedAt: null,
    properties: {},
    engagementSegment: "dormant",
    lastEngagedAt: null,
    createdAt: new Date("2026-06-01T08:00:00Z"),
    updatedAt: new Date("2026-06-01T08:00:00Z"),
    ...fields
  })

const resolve = (rules: SegmentRules): ResolvedRules => Either.getOrThrow(resolveRules(rules, defs))
const reason = (rules: SegmentRules) => {
  const r = resolveRules(rules, defs)
  return Either.isLeft(r) ? r.left.message : "resolved"
}
const one = (field: string, comparator: string, value?: string | number, windowDays?: number): SegmentRules =>
  ({
    operator: "and",
    conditions: [
      {
        field,
        comparator,
        ...(value === undefined ? {} : { value }),
        ...(windowDays === undefined ? {} : { windowDays })
      }
    ]
  }) as SegmentRules
const holds = (rules: SegmentRules, c: Contact, events: Parameters<typeof matches>[2]["events"] = []) =>
  matches(resolve(rules), c, { now, events })

describe("segment rules: checked against the team's properties", () => {
  it("names the condition and the problem for unknown fields, properties and misfit comparators or values", () => {
    expect(reason(one("nickname", "equals", "x"))).toBe(
      "Invalid segment rules: conditions[0] (nickname): unknown field"
    )
    expect(reason(one("properties.tier", "equals", "x"))).toContain('no contact property named "tier"')
    expect(reason(one("firstName", "greater_than", "3"))).toContain(
      '"greater_than" does not apply to a text field'
    )
    expect(reason(one("createdAt", "before", "2026-02-31"))).toContain("YYYY-MM-DD")
    expect(reason(one("properties.seats", "greater_than", "many"))).toContain("must be a number")
    expect(reason(one("emailsOpened", "contains", "1"))).toContain("numeric comparator")
    expect(reason(one("emailsOpened", "greater_than", "1.5"))).toContain("whole number")
    expect(reason(one("email", "equals"))).toContain("needs a value")
    expect(reason(one("email", "is_set", "x"))).toContain("takes no value")
    expect(reason(one("engagementSegment", "equals", "asleep"))).toContain("active, at_risk, dormant")
    expect(reason(one("firstName", "equals", "a", 7))).toContain("windowDays applies only")
  })

  it("accepts properties.<name>, a bare property name, and a number given as a JSON number", () => {
    expect(reason(one("properties.seats", "greater_than", 3))).toBe("resolved")
    expect(reason(one("plan", "equals", "Pro"))).toBe("resolved")
  })
})

describe("matches", () => {
  it("compares text ignoring case; not_equals and unset values", () => {
    const ann = contact()
    expect(holds(one("email", "equals", "ann@example.COM"), ann)).toBe(true)
    expect(holds(one("email", "ends_with", "@example.com"), ann)).toBe(true)
    expect(holds(one("firstName", "contains", "NN"), ann)).toBe(true)
    expect(holds(one("lastName", "contains", "a"), ann)).toBe(false)
    expect(holds(one("lastName", "not_equals", "Lee"), ann)).toBe(true)
    expect(holds(one("lastName", "is_not_set"), ann)).toBe(true)
    expect(holds(one("firstName", "is_set"), ann)).toBe(true)
  })

  it("compares select options as written, numbers, booleans and dates by their type", () => {
    const c = contact({ properties: { plan: "Pro", seats: 12, vip: true, renewal: "2026-07-01" } })
    expect(holds(one("properties.plan", "equals", "Pro"), c)).toBe(true)
    expect(holds(one("properties.plan", "equals", "pro"), c)).toBe(false)
    expect(holds(one("properties.seats", "greater_than_or_equal", "12"), c)).toBe(true)
    expect(holds(one("properties.seats", "less_than", "12"), c)).toBe(false)
    expect(holds(one("properties.vip", "equals", "true"), c)).toBe(true)
    expect(holds(one("properties.vip", "not_equals", "true"), contact())).toBe(true)
    expect(holds(one("properties.renewal", "after", "2026-06-30"), c)).toBe(true)
    expect(holds(one("properties.renewal", "before", "2026-07-01"), c)).toBe(false)
    expect(holds(one("createdAt", "before", "2026-06-02"), c)).toBe(true)
    expect(holds(one("createdAt", "after", "2026-06-01"), c)).toBe(false)
    expect(holds(one("createdAt", "in_last_days", "15"), c)).toBe(true)
    expect(holds(one("createdAt", "in_last_days", "14"), c)).toBe(false)
    expect(holds(one("lastEngagedAt", "in_last_days", "365"), c)).toBe(false)
  })

  it("counts distinct emails opened or clicked inside the window", () => {
    const day = (d: number) => new Date(now.getTime() - d * 86_400_000)
    const events = [
      { event: "opened" as const, emailId: "em_1", at: day(1) },
      { event: "opened" as const, emailId: "em_1", at: day(2) },
      { event: "opened" as const, emailId: "em_2", at: day(20) },
      { event: "clicked" as const, emailId: "em_2", at: day(40) }
    ]
    const c = contact()
    expect(holds(one("emailsOpened", "equals", "2"), c, events)).toBe(true)
    expect(holds(one("emailsOpened", "equals", "1", 7), c, events)).toBe(true)
    expect(holds(one("emailsClicked", "greater_than", "0"), c, events)).toBe(false)
    expect(holds(one("emailsClicked", "greater_than", "0", 60), c, events)).toBe(true)
    expect(holds(one("emailsOpened", "less_than", "1"), c, [])).toBe(true)
  })

  it("joins conditions with and / or", () => {
    const c = contact({ properties: { seats: 3 } })
    const conditions = [
      { field: "properties.seats", comparator: "greater_than", value: "5" },
      { field: "firstName", comparator: "equals", value: "ann" }
    ] as SegmentRules["conditions"]
    expect(holds({ operator: "and", conditions }, c)).toBe(false)
    expect(holds({ operator: "or", conditions }, c)).toBe(true)
  })
})
