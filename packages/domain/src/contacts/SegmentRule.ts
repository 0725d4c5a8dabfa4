import { Either, Schema } from "effect"
import type { Contact } from "./Contact.js"
import { type ContactProperty, decimalNumber } from "./Property.js"
import { SegmentRulesInvalid } from "./SegmentErrors.js"

export const SegmentComparator = Schema.Literal(
  "equals",
  "not_equals",
  "contains",
  "starts_with",
  "ends_with",
  "greater_than",
  "less_than",
  "greater_than_or_equal",
  "less_than_or_equal",
  "before",
  "after",
  "in_last_days",
  "is_set",
  "is_not_set"
)
export type SegmentComparator = typeof SegmentComparator.Type

/** The most conditions one segment holds, and the longest value one condition holds. */
export const MAX_SEGMENT_CONDITIONS = 50
export const MAX_CONDITION_VALUE_LENGTH = 500

/**
 * One condition as a client writes it. `value` is a string in the contract; a JSON number or
 * boolean is read as its text, so `5` and `"5"` mean the same.
 */
export const SegmentCondition = Schema.Struct({
  field: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100)),
  comparator: SegmentComparator,
  value: Schema.optional(
    Schema.Union(
      Schema.String.pipe(Schema.maxLength(MAX_CONDITION_VALUE_LENGTH)),
      Schema.Number,
      Schema.Boolean
    )
  ),
  windowDays: Schema.optional(Schema.Int.pipe(Schema.between(1, 365)))
})
export type SegmentCondition = typeof SegmentCondition.Type

/** A rule segment's rules as stored and shown: `and` or `or` over 1 to 50 conditions. */
export const SegmentRules = Schema.Struct({
  operator: Schema.Literal("and", "or"),
  conditions: Schema.Array(SegmentCondition).pipe(Schema.minItems(1), Schema.maxItems(MAX_SEGMENT_CONDITIONS))
})
export type SegmentRules = typeof SegmentRules.Type

/** Where a condition reads its value: a fixed column of the contact, or one of its properties. */
export const RuleTarget = Schema.Union(
  Schema.TaggedStruct("Column", {
    column: Schema.Literal(
      "email",
      "firstName",
      "lastName",
      "unsubscribed",
      "engagementSegment",
      "createdAt",
      "lastEngagedAt"
    )
  }),
  Schema.TaggedStruct("Property", {
    name: Schema.String,
    type: Schema.Literal("text", "number", "boolean", "date", "select")
  })
)
export type RuleTarget = typeof RuleTarget.Type

const NumericComparator = Schema.Literal(
  "equals",
  "not_equals",
  "greater_than",
  "less_than",
  "greater_than_or_equal",
  "less_than_or_equal"
)
export type NumericComparator = typeof NumericComparator.Type

/**
 * A condition checked against the team's property definitions: the tree both `matches` and the
 * SQL compiler walk. Each kind carries only what its comparators need, already parsed.
 */
export const ResolvedCondition = Schema.Union(
  /** Text compared case-insensitively (`value` is lower-cased); `exact` for select options. */
  Schema.TaggedStruct("Text", {
    target: RuleTarget,
    comparator: Schema.Literal("equals", "not_equals", "contains", "starts_with", "ends_with"),
    value: Schema.String,
    exact: Schema.Boolean
  }),
  Schema.TaggedStruct("Number", { target: RuleTarget, comparator: NumericComparator, value: Schema.Number }),
  Schema.TaggedStruct("Boolean", {
    target: RuleTarget,
    comparator: Schema.Literal("equals", "not_equals"),
    value: Schema.Boolean
  }),
  /** A calendar day (`YYYY-MM-DD`, UTC): before it, or after it. */
  Schema.TaggedStruct("Day", {
    target: RuleTarget,
    comparator: Schema.Literal("before", "after"),
    day: Schema.String
  }),
  /** Within the last `days` days up to the moment of evaluation. */
  Schema.TaggedStruct("InLastDays", { target: RuleTarget, days: Schema.Int }),
  Schema.TaggedStruct("Presence", { target: RuleTarget, set: Schema.Boolean }),
  /** How many distinct emails the contact opened (or clicked in) during the last `windowDays` days. */
  Schema.TaggedStruct("Behaviour", {
    event: Schema.Literal("opened", "clicked"),
    comparator: NumericComparator,
    value: Schema.Int,
    windowDays: Schema.Int
  })
)
export type ResolvedCondition = typeof ResolvedCondition.Type

export interface ResolvedRules {
  readonly operator: "and" | "or"
  readonly conditions: ReadonlyArray<ResolvedCondition>
}

const COLUMN_FIELDS = {
  email: "text",
  firstName: "text",
  lastName: "text",
  unsubscribed: "boolean",
  engagementSegment: "engagement",
  createdAt: "timestamp",
  lastEngagedAt: "timestamp"
} as const
type ColumnField = keyof typeof COLUMN_FIELDS

const TEXT_COMPARATORS = ["equals", "not_equals", "contains", "starts_with", "ends_with"] as const
const NUMERIC_COMPARATORS = NumericComparator.literals
const ENGAGEMENT_SEGMENTS = ["active", "at_risk", "dormant"]

/** `YYYY-MM-DD` of the moment, in UTC. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10)

const isRealDay = (value: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) && utcDay(new Date(value)) === value

/**
 * Checks the rules against the team's property definitions and parses every value, or says which
 * condition is wrong and why. Fields are the fixed ones, `properties.<name>` or a bare property name.
 */
export const resolveRules = (
  rules: SegmentRules,
  definitions: ReadonlyArray<ContactProperty>
): Either.Either<ResolvedRules, SegmentRulesInvalid> => {
  const byName = new Map(definitions.map((d) => [d.name, d]))
  const conditions: Array<ResolvedCondition> = []
  for (const [i, c] of rules.conditions.entries()) {
    const resolved = resolveCondition(c, byName)
    if (typeof resolved === "string")
      return Either.left(new SegmentRulesInvalid({ reason: `conditions[${i}] (${c.field}): ${resolved}` }))
    conditions.push(resolved)
  }
  return Either.right({ operator: rules.operator, conditions })
}

type Kind = "text" | "select" | "number" | "boolean" | "date" | "timestamp" | "engagement"

const resolveCondition = (
  c: SegmentCondition,
  properties: ReadonlyMap<string, ContactProperty>
): ResolvedCondition | string => {
  const raw = c.value === undefined ? undefined : String(c.value)
  if (c.field === "emailsOpened" || c.field === "emailsClicked") {
    if (!(NUMERIC_COMPARATORS as ReadonlyArray<string>).includes(c.comparator))
      return `comparator "${c.comparator}" does not apply to a count; use a numeric comparator`
    if (raw === undefined || !/^\d{1,9}$/.test(raw)) return "value must be a whole number"
    return {
      _tag: "Behaviour",
      event: c.field === "emailsOpened" ? "opened" : "clicked",
      comparator: c.comparator as NumericComparator,
      value: Number(raw),
      windowDays: c.windowDays ?? 30
    }
  }
  if (c.windowDays !== undefined) return "windowDays applies only to emailsOpened and emailsClicked"
  let target: RuleTarget
  let kind: Kind
  if (Object.hasOwn(COLUMN_FIELDS, c.field)) {
    target = { _tag: "Column", column: c.field as ColumnField }
    kind = COLUMN_FIELDS[c.field as ColumnField]
  } else {
    const name = c.field.startsWith("properties.") ? c.field.slice("properties.".length) : c.field
    const property = properties.get(name)
    if (property === undefined)
      return c.field.startsWith("properties.") ? `no contact property named "${name}"` : "unknown field"
    target = { _tag: "Property", name, type: property.type }
    kind = property.type
  }
  if (c.comparator === "is_set" || c.comparator === "is_not_set") {
    if (raw !== undefined && raw !== "") return `${c.comparator} takes no value`
    return { _tag: "Presence", target, set: c.comparator === "is_set" }
  }
  if (raw === undefined) return `comparator "${c.comparator}" needs a value`
  const refuse = `comparator "${c.comparator}" does not apply to a ${kind === "timestamp" ? "date" : kind} field`
  switch (kind) {
    case "text":
    case "select":
    case "engagement": {
      if (!(TEXT_COMPARATORS as ReadonlyArray<string>).includes(c.comparator)) return refuse
      if (kind === "engagement") {
        if (c.comparator !== "equals" && c.comparator !== "not_equals") return refuse
        if (!ENGAGEMENT_SEGMENTS.includes(raw))
          return `value must be one of ${ENGAGEMENT_SEGMENTS.join(", ")}`
      }
      // Select options are compared as written (they are a fixed list); free text ignores case.
      const exact = kind !== "text"
      return {
        _tag: "Text",
        target,
        comparator: c.comparator as (typeof TEXT_COMPARATORS)[number],
        value: exact ? raw : raw.toLowerCase(),
        exact
      }
    }
    case "number": {
      if (!(NUMERIC_COMPARATORS as ReadonlyArray<string>).includes(c.comparator)) return refuse
      const n = decimalNumber(raw)
      if (!Number.isFinite(n)) return "value must be a number"
      return { _tag: "Number", target, comparator: c.comparator as NumericComparator, value: n }
    }
    case "boolean":
      if (c.comparator !== "equals" && c.comparator !== "not_equals") return refuse
      if (raw !== "true" && raw !== "false") return "value must be true or false"
      return { _tag: "Boolean", target, comparator: c.comparator, value: raw === "true" }
    case "date":
    case "timestamp":
      if (c.comparator === "before" || c.comparator === "after") {
        if (!isRealDay(raw)) return "value must be a date, YYYY-MM-DD"
        return { _tag: "Day", target, comparator: c.comparator, day: raw }
      }
      if (c.comparator === "in_last_days") {
        if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1)
          return "value must be a whole number of days, 1 or more"
        return { _tag: "InLastDays", target, days: Number(raw) }
      }
      return refuse
  }
}

/** One open or click of mail sent to the contact's address (machine prefetches left out). */
export interface RuleEngagementEvent {
  readonly event: "opened" | "clicked"
  readonly emailId: string
  readonly at: Date
}

/** What a rule needs beyond the contact: the moment of evaluation and the contact's opens and clicks. */
export interface Engagement {
  readonly now: Date
  readonly events: ReadonlyArray<RuleEngagementEvent>
}

const DAY_MS = 86_400_000

/** The start of a `days`-day window ending at `now`. */
export const ruleWindowStart = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY_MS)

/** The first instant of the day after `day`. */
export const dayAfter = (day: string): Date => new Date(Date.parse(day) + DAY_MS)

const read = (target: RuleTarget, contact: Contact): unknown => {
  if (target._tag === "Property") return contact.properties[target.name] ?? null
  return contact[target.column]
}

const compareNumbers = (comparator: NumericComparator, a: number, b: number): boolean => {
  switch (comparator) {
    case "equals":
      return a === b
    case "not_equals":
      return a !== b
    case "greater_than":
      return a > b
    case "less_than":
      return a < b
    case "greater_than_or_equal":
      return a >= b
    case "less_than_or_equal":
      return a <= b
  }
}

/** The day of a stored value: a timestamp's UTC day, or the first ten characters of a date property. */
const dayOf = (value: unknown): string | null =>
  value instanceof Date ? utcDay(value) : typeof value === "string" ? value.slice(0, 10) : null

const conditionHolds = (c: ResolvedCondition, contact: Contact, engagement: Engagement): boolean => {
  switch (c._tag) {
    case "Text": {
      const v = read(c.target, contact)
      const text = typeof v === "string" ? (c.exact ? v : v.toLowerCase()) : null
      if (c.comparator === "not_equals") return text === null || text !== c.value
      if (text === null) return false
      if (c.comparator === "equals") return text === c.value
      if (c.comparator === "contains") return text.includes(c.value)
      if (c.comparator === "starts_with") return text.startsWith(c.value)
      return text.endsWith(c.value)
    }
    case "Number": {
      const v = read(c.target, contact)
      if (typeof v !== "number") return c.comparator === "not_equals"
      return compareNumbers(c.comparator, v, c.value)
    }
    case "Boolean": {
      const v = read(c.target, contact)
      return c.comparator === "equals" ? v === c.value : v !== c.value
    }
    case "Day": {
      const v = read(c.target, contact)
      if (v instanceof Date) return c.comparator === "before" ? v < new Date(c.day) : v >= dayAfter(c.day)
      const day = dayOf(v)
      if (day === null) return false
      return c.comparator === "before" ? day < c.day : day > c.day
    }
    case "InLastDays": {
      const v = read(c.target, contact)
      const since = ruleWindowStart(engagement.now, c.days)
      if (v instanceof Date) return v >= since && v <= engagement.now
      const day = dayOf(v)
      return day !== null && day >= utcDay(since) && day <= utcDay(engagement.now)
    }
    case "Presence": {
      const v = read(c.target, contact)
      return (v !== null && v !== undefined) === c.set
    }
    case "Behaviour": {
      const since = ruleWindowStart(engagement.now, c.windowDays)
      const emails = new Set(
        engagement.events
          .filter((e) => e.event === c.event && e.at >= since && e.at <= engagement.now)
          .map((e) => e.emailId)
      )
      return compareNumbers(c.comparator, emails.size, c.value)
    }
  }
}

/**
 * Whether the contact belongs to a rule segment: the pure statement of what the compiled SQL
 * selects (the two are checked against each other on generated contacts).
 */
export const matches = (rules: ResolvedRules, contact: Contact, engagement: Engagement): boolean =>
  rules.operator === "and"
    ? rules.conditions.every((c) => conditionHolds(c, contact, engagement))
    : rules.conditions.some((c) => conditionHolds(c, contact, engagement))
