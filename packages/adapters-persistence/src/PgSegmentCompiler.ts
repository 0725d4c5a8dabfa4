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
 * Compiles a segment's audience to one parameterised condition over the `contacts` table: every
 * value is a bound parameter, and the shape of the SQL comes only from fixed fragments chosen by
 * the rule's kind (never from text the client wrote). `matches` in the domain states the same
 * rules; `test/contacts/segmentCompiler.integration.test.ts` checks the two agree.
 *
 * `afterContactId`: the caller only wants contacts past this id (a walk in id order, as a
 * broadcast's expansion does), so a manual list's members are read from there on: PostgreSQL does
 * not carry `contacts.id > n` over to the members it joins, and would read the list from its start.
 */
export const compileAudience = (
  sql: SqlClient.SqlClient,
  teamId: TeamId,
  audience: SegmentAudienceOf,
  afterContactId?: number
): Fragment =>
  audience._tag === "Members"
    ? sql`contacts.id IN (SELECT m.contact_id FROM segment_members m WHERE m.segment_id = ${audience.segmentId}${
        afterContactId === undefined ? sql`` : sql` AND m.contact_id > ${afterContactId}`
      })`
    : compileRules(sql, teamId, audience.rules, audience.now)

/** Conditions on the contact's own row (the behavioural ones too: its roll-up is its team's mail only). */
export const compileRules = (
  sql: SqlClient.SqlClient,
  _teamId: TeamId,
  rules: ResolvedRules,
  now: Date
): Fragment => {
  const parts = rules.conditions.map((c) => compileCondition(sql, c, now))
  return sql`(${rules.operator === "and" ? sql.and(parts) : sql.or(parts)})`
}

const compileCondition = (sql: SqlClient.SqlClient, c: ResolvedCondition, now: Date): Fragment => {
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
      // The contact's roll-up (migration 0061): email id -> its latest open (or click), in epoch
      // milliseconds; the emails of the window are the values at or after its start.
      const map = c.event === "opened" ? sql`contacts.opened_emails` : sql`contacts.clicked_emails`
      const inWindow = sql`${"$.* ? (@ >= $since)"}::jsonpath, jsonb_build_object('since', ${ruleWindowStart(now, c.windowDays).getTime()}::bigint)`
      // "At least one" and "none" need no counting.
      if (
        (c.comparator === "greater_than" && c.value === 0) ||
        (c.comparator === "greater_than_or_equal" && c.value === 1)
      )
        return sql`jsonb_path_exists(${map}, ${inWindow})`
      if ((c.comparator === "equals" && c.value === 0) || (c.comparator === "less_than" && c.value === 1))
        return sql`NOT jsonb_path_exists(${map}, ${inWindow})`
      return OPERATORS[c.comparator](
        sql,
        sql`jsonb_array_length(jsonb_path_query_array(${map}, ${inWindow}))`,
        c.value
      )
    }
  }
}
