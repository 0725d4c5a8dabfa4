import { SqlClient } from "@effect/sql"
import { PgSegmentCompiler } from "@poststack/adapters-persistence"
import {
  ContactPropertyRepository,
  ContactRepository,
  SegmentAudience,
  TeamRepository
} from "@poststack/application"
import {
  type Contact,
  type ContactProperty,
  matches,
  type RuleEngagementEvent,
  resolveRules,
  type SegmentRules,
  type TeamId
} from "@poststack/domain"
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { postgresSubject } from "../persistence/contracts/portSubjects.js"

/** A small deterministic generator (mulberry32), so a failure is reproducible from its seed. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const SEED = 20261205
const random = prng(SEED)
const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(random() * xs.length)] as A
const chance = (p: number) => random() < p

const DAY = 86_400_000
const NAMES = ["Ann", "ann", "ANNA", "Bo", "b_o", "50%", "Zoé", "Lee", "lee-ann", null]
const CITIES = ["Paris", "paris", "Oslo", "O_slo", "Rome%", ""]
const PLANS = ["Pro", "Free", "Team"]
const DAYS = ["2026-01-15", "2026-03-01", "2026-06-30", "2025-12-31"]

describe("compiled segment SQL and the domain's matches agree (generated contacts and rules)", () => {
  let s: Awaited<ReturnType<typeof postgresSubject>>
  const run: Awaited<ReturnType<typeof postgresSubject>>["run"] = (effect) => s.run(effect)
  let team: TeamId
  let definitions: ReadonlyArray<ContactProperty>
  let contacts: ReadonlyArray<Contact>
  const engagement = new Map<string, Array<RuleEngagementEvent>>()
  const now = new Date()

  beforeAll(async () => {
    s = await postgresSubject()
    const [a, b] = await run(
      Effect.flatMap(TeamRepository, (t) => Effect.all([t.create("segments"), t.create("other")]))
    )
    team = a.id
    const other = b.id
    definitions = await run(
      Effect.flatMap(ContactPropertyRepository, (p) =>
        Effect.all([
          p.create(team, { name: "plan", label: "Plan", type: "select", options: PLANS, required: false }),
          p.create(team, { name: "seats", label: "Seats", type: "number", options: null, required: false }),
          p.create(team, { name: "vip", label: "VIP", type: "boolean", options: null, required: false }),
          p.create(team, { name: "renewal", label: "Renewal", type: "date", options: null, required: false }),
          p.create(team, { name: "city", label: "City", type: "text", options: null, required: false })
        ])
      )
    )
    const rows = Array.from({ length: 80 }, (_, i) => {
      const properties: Record<string, unknown> = {}
      if (chance(0.6)) properties.plan = pick(PLANS)
      if (chance(0.6)) properties.seats = pick([0, 1, 2.5, 10, 100, -3])
      if (chance(0.5)) properties.vip = chance(0.5)
      if (chance(0.5)) properties.renewal = pick([...DAYS, "2026-02-01T23:30:00.000Z"])
      if (chance(0.6)) properties.city = pick(CITIES)
      return {
        email: `${pick(["ann", "Bo", "x_y", "zed%", "lee"])}${i}@${pick(["Example.com", "mail.test", "ex.org"])}`,
        firstName: pick(NAMES),
        lastName: pick(NAMES),
        unsubscribed: chance(0.3),
        properties
      }
    })
    await run(Effect.flatMap(ContactRepository, (r) => r.importMany(team, rows, () => [])))
    // Dates the repository sets itself are moved by hand: spread over the last ninety days.
    const sql = (text: string, values: ReadonlyArray<unknown>) =>
      run(Effect.flatMap(SqlClient.SqlClient, (q) => q.unsafe(text, values)))
    await sql(
      `UPDATE contacts SET created_at = $2::timestamptz - (random() * interval '90 days'),
         last_engaged_at = CASE WHEN random() < 0.5 THEN NULL ELSE $2::timestamptz - (random() * interval '90 days') END,
         engagement_segment = (ARRAY['active', 'at_risk', 'dormant'])[1 + floor(random() * 3)::int]
       WHERE team_id = $1`,
      [team, now]
    )
    contacts = await run(Effect.flatMap(ContactRepository, (r) => r.all(team)))
    const [domain] = (await sql(
      "INSERT INTO domains (team_id, public_id, name) VALUES ($1, 'dom_segments', 'segments.test') RETURNING id",
      [team]
    )) as Array<{ id: number }>
    // Opens and clicks of mail to the contacts' addresses (any case), some by another team's mail.
    for (const [i, c] of contacts.entries()) {
      for (let n = Math.floor(random() * 4); n > 0; n--) {
        const byOther = chance(0.15)
        const [email] = (await sql(
          `INSERT INTO emails (public_id, team_id, domain_id, from_address, to_addresses, subject, message_id, status, test_mode)
           VALUES ($1, $2, $3, 'news@segments.test', ARRAY[$4], 'Hi', $1, 'delivered', false) RETURNING id`,
          [`em_seg_${i}_${n}`, byOther ? other : team, domain?.id, c.email]
        )) as Array<{ id: string }>
        const [delivery] = (await sql(
          `INSERT INTO deliveries (email_id, team_id, recipient, kind, status) VALUES ($1, $2, $3, 'to', 'delivered') RETURNING id`,
          [email?.id, byOther ? other : team, chance(0.5) ? c.email.toUpperCase() : c.email]
        )) as Array<{ id: string }>
        for (let k = Math.floor(random() * 3); k > 0; k--) {
          const event = chance(0.6) ? ("opened" as const) : ("clicked" as const)
          const at = new Date(now.getTime() - random() * 70 * DAY)
          const prefetch = event === "opened" && chance(0.2)
          await sql(
            `INSERT INTO email_events (email_id, delivery_id, event_type, created_at, is_prefetch) VALUES ($1, $2, $3, $4, $5)`,
            [email?.id, delivery?.id, event, at, prefetch]
          )
          if (!byOther && !prefetch) {
            const list = engagement.get(c.email.toLowerCase()) ?? []
            list.push({ event, emailId: String(email?.id), at })
            engagement.set(c.email.toLowerCase(), list)
          }
        }
      }
    }
  }, 120_000)
  afterAll(() => s.close())

  const condition = (): SegmentRules["conditions"][number] => {
    const field = pick([
      "email",
      "firstName",
      "lastName",
      "unsubscribed",
      "engagementSegment",
      "createdAt",
      "lastEngagedAt",
      "properties.plan",
      "plan",
      "properties.seats",
      "properties.vip",
      "properties.renewal",
      "properties.city",
      "emailsOpened",
      "emailsClicked"
    ])
    const presence = chance(0.1)
    if (presence && !field.startsWith("emails")) return { field, comparator: pick(["is_set", "is_not_set"]) }
    const numeric = [
      "equals",
      "not_equals",
      "greater_than",
      "less_than",
      "greater_than_or_equal",
      "less_than_or_equal"
    ] as const
    const text = ["equals", "not_equals", "contains", "starts_with", "ends_with"] as const
    switch (field) {
      case "email":
      case "firstName":
      case "lastName":
      case "properties.city":
        return {
          field,
          comparator: pick(text),
          value: pick(["ann", "AN", "_", "%", "o", "lee", "example.com", "x_y", "é"])
        }
      case "properties.plan":
      case "plan":
        return { field, comparator: pick(text), value: pick([...PLANS, "pro", "r", "e"]) }
      case "unsubscribed":
      case "properties.vip":
        return { field, comparator: pick(["equals", "not_equals"]), value: pick(["true", "false"]) }
      case "engagementSegment":
        return {
          field,
          comparator: pick(["equals", "not_equals"]),
          value: pick(["active", "at_risk", "dormant"])
        }
      case "properties.seats":
        return { field, comparator: pick(numeric), value: pick(["0", "1", "2.5", "10", "-3", "50"]) }
      case "createdAt":
      case "lastEngagedAt":
      case "properties.renewal": {
        const comparator = pick(["before", "after", "in_last_days"] as const)
        if (comparator === "in_last_days") return { field, comparator, value: pick(["1", "7", "30", "200"]) }
        const recent = new Date(now.getTime() - Math.floor(random() * 90) * DAY).toISOString().slice(0, 10)
        return { field, comparator, value: pick([...DAYS, recent]) }
      }
      default:
        return {
          field,
          comparator: pick(numeric),
          value: pick(["0", "1", "2", "3"]),
          ...(chance(0.5) ? { windowDays: pick([1, 7, 30, 60, 365]) } : {})
        }
    }
  }

  it("selects the same contacts for 300 generated rule sets", async () => {
    let nonTrivial = 0
    for (let round = 0; round < 300; round++) {
      const rules: SegmentRules = {
        operator: pick(["and", "or"] as const),
        conditions: Array.from({ length: 1 + Math.floor(random() * 3) }, condition)
      }
      const resolved = Either.getOrThrow(resolveRules(rules, definitions))
      const expected = contacts
        .filter((c) => matches(resolved, c, { now, events: engagement.get(c.email.toLowerCase()) ?? [] }))
        .map((c) => c.id)
        .sort((a, b) => a - b)
      const actual = await run(
        Effect.flatMap(SegmentAudience, (a) =>
          a.ids(team, { _tag: "Rules", rules: resolved, now }, null, 1000)
        )
      )
      if (expected.length > 0 && expected.length < contacts.length) nonTrivial++
      expect({ round, rules, ids: [...actual] }).toEqual({ round, rules, ids: expected })
    }
    // The generator must make rules that split the audience, or agreement proves little.
    expect(nonTrivial).toBeGreaterThan(100)
  }, 120_000)

  it("binds every value as a parameter: a hostile value never reaches the SQL text", async () => {
    const hostile = "x'); drop table contacts; --"
    const resolved = Either.getOrThrow(
      resolveRules(
        {
          operator: "or",
          conditions: [
            { field: "firstName", comparator: "contains", value: hostile },
            { field: "properties.plan", comparator: "equals", value: hostile },
            { field: "properties.city", comparator: "not_equals", value: hostile }
          ]
        },
        definitions
      )
    )
    const [text, params] = await run(
      Effect.map(SqlClient.SqlClient, (sql) =>
        sql`SELECT count(*) FROM contacts WHERE ${PgSegmentCompiler.compileRules(sql, team, resolved, now)}`.compile()
      )
    )
    expect(text.toLowerCase()).not.toContain("drop")
    expect(params).toContain(`%${hostile}%`)
    const count = await run(
      Effect.flatMap(SegmentAudience, (a) => a.count(team, { _tag: "Rules", rules: resolved, now }))
    )
    // Only the last condition holds, and for everyone: the value was compared, not executed.
    expect(count).toBe(contacts.length)
  })
})
