import type { SqlClient, Statement } from "@effect/sql"
import {
  dayAfter,
  type NumericComparator,
  type ResolvedCondition,
  type ResolvedRules,
  type RuleTarget,
  type SegmentAudienceOf,
  type TeamId,
  utcDay,
  ruleWindowStart
} from "@poststack/domain"

type Fragment = Statement.Fragment

/** `%`, `_` and `\` match themselves in a LIKE pattern. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

const OPERATORS: Record<NumericComparator, (sql: SqlClient.SqlClient, a: Fragment, b: unknown) => Fragment> =
  {
    equals: (sql, a, b) => sql`${a} = ${b}`,
    not_equals: (sql, a, b) => sql`${a} <> ${b}`,
    greater_than: (sql, a, b) => sql`${a} > ${b}`,
    less_than: (sql, a, b) => sql`${a} < ${b}`,
    greater_than_or_equal: (sql, a, b) => sql`${a} >= ${b}`,
    less_than_or_equal: (sql, a, b) => sql`${a} <= ${b}`
  }

/**
 * Whether a count condition holds for contacts with no events at all (count 0), and the HAVING
 * test that picks out the others: the condition is then `IN (those with events passing it)` or,
 * when zero passes, `NOT IN (those with events failing it)`. Either way the events of the window
 * are read once for the whole team, not once per contact.
 */
const countTest = (
  comparator: NumericComparator,
  n: number
): { readonly zeroPasses: boolean; readonly having: NumericComparator; readonly than: number } | boolean => {
  switch (comparator) {
    case "greater_than":
      return { zeroPasses: false, having: "greater_than", than: n }
    case "greater_than_or_equal":
      return n === 0 ? true : { zeroPasses: false, having: "greater_than_or_equal", than: n }
    case "less_than":
      return n === 0 ? false : { zeroPasses: true, having: "greater_than_or_equal", than: n }
    case "less_than_or_equal":
      return { zeroPasses: true, having: "greater_than", than: n }
    case "equals":
      return n === 0
        ? { zeroPasses: true, having: "greater_than", than: 0 }
        : { zeroPasses: false, having: "equals", than: n }
    case "not_equals":
      return n === 0
        ? { zeroPasses: false, having: "greater_than", than: 0 }
        : { zeroPasses: true, having: "equals", than: n }
  }
}

/**
 * Compiles a segment's audience to one parameterised condition over the `contacts` table: every
 * value is a bound parameter, and the shape of the SQL comes only from fixed fragments chosen by
 * the rule's kind (never from text the client wrote). `matches` in the domain states the same
 * rules; `test/contacts/segmentCompiler.integration.test.ts` checks the two agree.
 */
export const compileAudience = (
  sql: SqlClient.SqlClient,
  teamId: TeamId,
  audience: SegmentAudienceOf
): Fragment =>
  audience._tag === "Members"
    ? sql`contacts.id IN (SELECT m.contact_id FROM segment_members m WHERE m.segment_id = ${audience.segmentId})`
    : compileRules(sql, teamId, audience.rules, audience.now)

export const compileRules = (
  sql: SqlClient.SqlClient,
  teamId: TeamId,
  rules: ResolvedRules,
  now: Date
): Fragment => {
  const parts = rules.conditions.map((c) => compileCondition(sql, teamId, c, now))
  return sql`(${rules.operator === "and" ? sql.and(parts) : sql.or(parts)})`
}

const compileCondition = (
  sql: SqlClient.SqlClient,
  teamId: TeamId,
  c: ResolvedCondition,
  now: Date
): Fragment => {
  const columns = {
    email: sql`contacts.email`,
    firstName: sql`contacts.first_name`,
    lastName: sql`contacts.last_name`,
    unsubscribed: sql`contacts.unsubscribed`,
    engagementSegment: sql`contacts.engagement_segment`,
    createdAt: sql`contacts.created_at`,
    lastEngagedAt: sql`contacts.last_engaged_at`
  }
  const text = (target: RuleTarget) =>
    target._tag === "Column" ? columns[target.column] : sql`(contacts.properties ->> ${target.name})`
  /** Containment, which the GIN index on `properties` answers. */
  const holds = (name: string, value: unknown) =>
    sql`contacts.properties @> ${JSON.stringify({ [name]: value })}::jsonb`

  switch (c._tag) {
    case "Text": {
      const lhs = c.exact ? text(c.target) : sql`lower(${text(c.target)})`
      switch (c.comparator) {
        case "equals":
          return c.target._tag === "Property" && c.exact
            ? holds(c.target.name, c.value)
            : sql`${lhs} = ${c.value}`
        case "not_equals":
          return sql`(${text(c.target)} IS NULL OR ${lhs} <> ${c.value})`
        case "contains":
          return sql`${lhs} LIKE ${`%${escapeLike(c.value)}%`}`
        case "starts_with":
          return sql`${lhs} LIKE ${`${escapeLike(c.value)}%`}`
        case "ends_with":
          return sql`${lhs} LIKE ${`%${escapeLike(c.value)}`}`
      }
      break
    }
    case "Number": {
      if (c.target._tag === "Column") return sql`FALSE`
      if (c.comparator === "equals") return holds(c.target.name, c.value)
      const value = sql`(CASE WHEN jsonb_typeof(contacts.properties -> ${c.target.name}) = 'number'
        THEN (contacts.properties ->> ${c.target.name})::numeric END)`
      const test = OPERATORS[c.comparator](sql, value, c.value)
      return c.comparator === "not_equals" ? sql`(${value} IS NULL OR ${test})` : test
    }
    case "Boolean": {
      if (c.target._tag === "Column") {
        const col = columns[c.target.column]
        return c.comparator === "equals" ? sql`${col} = ${c.value}` : sql`${col} IS DISTINCT FROM ${c.value}`
      }
      const test = holds(c.target.name, c.value)
      return c.comparator === "equals" ? test : sql`NOT ${test}`
    }
    case "Day": {
      if (c.target._tag === "Column") {
        const col = columns[c.target.column]
        return c.comparator === "before"
          ? sql`${col} < ${new Date(c.day)}`
          : sql`${col} >= ${dayAfter(c.day)}`
      }
      const day = sql`left(contacts.properties ->> ${c.target.name}, 10)`
      return c.comparator === "before" ? sql`${day} < ${c.day}` : sql`${day} > ${c.day}`
    }
    case "InLastDays": {
      const since = ruleWindowStart(now, c.days)
      if (c.target._tag === "Column") {
        const col = columns[c.target.column]
        return sql`(${col} >= ${since} AND ${col} <= ${now})`
      }
      const day = sql`left(contacts.properties ->> ${c.target.name}, 10)`
      return sql`(${day} >= ${utcDay(since)} AND ${day} <= ${utcDay(now)})`
    }
    case "Presence": {
      const test =
        c.target._tag === "Column"
          ? sql`${columns[c.target.column]} IS NOT NULL`
          : sql`contacts.properties ? ${c.target.name}`
      return c.set ? test : sql`NOT (${test})`
    }
    case "Behaviour": {
      const shape = countTest(c.comparator, c.value)
      if (typeof shape === "boolean") return shape ? sql`TRUE` : sql`FALSE`
      // A literal event type (from the closed pair), so the planner can use the partial index.
      const event = c.event === "opened" ? sql`e.event_type = 'opened'` : sql`e.event_type = 'clicked'`
      // "At least one" needs no counting: the addresses with any event of the window.
      const any =
        (shape.having === "greater_than" && shape.than === 0) ||
        (shape.having === "greater_than_or_equal" && shape.than === 1)
      const engaged = sql`
        SELECT lower(d.recipient) FROM email_events e JOIN deliveries d ON d.id = e.delivery_id
        WHERE ${event} AND e.created_at >= ${ruleWindowStart(now, c.windowDays)} AND e.created_at <= ${now}
          AND NOT e.is_prefetch AND d.team_id = ${teamId}
        ${
          any
            ? sql``
            : sql`GROUP BY lower(d.recipient)
        HAVING ${OPERATORS[shape.having](sql, sql`count(DISTINCT e.email_id)`, shape.than)}`
        }`
      return shape.zeroPasses
        ? sql`NOT (lower(contacts.email) IN (${engaged}))`
        : sql`lower(contacts.email) IN (${engaged})`
    }
  }
}
