import { DomainRepository, EmailRepository, type NewEmail, UsageMeter } from "@poststack/application"
import type { DailyUsage, Domain, TeamId, UsageToDate } from "@poststack/domain"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SqlClient } from "@effect/sql"
import { newTeam, type Subject, subjects } from "./contracts/subjects.js"

const postgres = subjects.find(([name]) => name === "postgres")?.[1]

const email = (team: TeamId, domain: Domain, i: number): NewEmail => ({
  teamId: team,
  apiKeyId: null,
  domainId: domain.id,
  domainName: domain.name,
  fromAddress: `news@${domain.name}`,
  fromName: null,
  recipients: [{ address: `r${i}@example.org`, kind: "to" }],
  replyTo: [],
  subject: `Hello ${i}`,
  html: null,
  text: "Hi",
  headers: {},
  tags: [],
  attachments: [],
  rawMime: null,
  messageId: null,
  testMode: false,
  unsubscribe: false,
  trackOpens: false,
  trackClicks: false,
  scheduledAt: null,
  idempotencyKey: null,
  requestHash: `h${i}`,
  system: false
})

describe("usage counted in shards (migration 0074)", () => {
  let s: Subject
  beforeAll(async () => {
    s = await (postgres as () => Promise<Subject>)()
  })
  afterAll(() => s.close())

  it("counts every email accepted by concurrent commits once, in the day's usage and the month's", async () => {
    const team = await newTeam(s)
    const domain = Option.getOrThrow(
      await s.run(
        Effect.flatMap(DomainRepository, (r) =>
          r.create(
            {
              teamId: team,
              name: `t${team}.example.com`,
              returnPathLabel: "bounces",
              openTracking: false,
              clickTracking: false,
              trackingDomain: null,
              tlsMode: "opportunistic",
              inboundEnabled: false
            },
            { selector: "ps1", publicKey: "MIIB", sealedPrivateKey: new Uint8Array([1]), state: "active" },
            () => []
          )
        )
      )
    )
    const now = new Date()
    const out = await s.run(
      // The runtime holds the database client beside the ports.
      Effect.gen(function* () {
        const emails = yield* EmailRepository
        // Arriving together, they are written by several commits at once, on several connections.
        for (let round = 0; round < 3; round++)
          yield* Effect.all(
            Array.from({ length: 8 }, (_, i) => emails.accept(email(team, domain, round * 8 + i))),
            { concurrency: "unbounded" }
          )
        // And what another connection's commits added to their own shard.
        const sql = yield* SqlClient.SqlClient
        yield* sql`
          INSERT INTO usage_daily AS u (team_id, day, test_mode, metric, shard, count)
          VALUES (${team}, (now() AT TIME ZONE 'UTC')::date, false, 'accepted', 99, 5)
          ON CONFLICT (team_id, day, test_mode, metric, shard) DO UPDATE SET count = u.count + 5`
        const meter = yield* UsageMeter
        return { toDate: yield* meter.toDate(team, now), daily: yield* meter.daily(team, now, now) }
      }) as unknown as Effect.Effect<
        { toDate: UsageToDate; daily: ReadonlyArray<DailyUsage> },
        unknown,
        UsageMeter
      >
    )
    expect(out.toDate).toEqual({ today: 29, month: 29 })
    expect(out.daily).toHaveLength(1)
    expect(out.daily[0]?.accepted).toBe(29)
  })
})
