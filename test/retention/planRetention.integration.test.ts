import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { PlanRetentionPolicySource } from "@poststack/adapters-external"
import {
  FileBlobStore,
  PgAuditLog,
  PgDatabase,
  PgRequestLog,
  PgRetentionStore,
  PgSignupFormRepository,
  PgSubscriptionRepository
} from "@poststack/adapters-persistence"
import { SubscriptionRepository } from "@poststack/application"
import { Plan, type PlanId, type TeamId, unlimitedPlan } from "@poststack/domain"
import { periodicTasks } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { type PgSeed, pgSeed } from "./pgSeed.js"

const DAY = 86_400_000
const T = Date.now()
const ago = (ms: number) => new Date(T - ms)

const plan = (id: string, retentionDays: number) =>
  Plan.make({ ...unlimitedPlan, id: id as PlanId, name: id, retentionDays })

describe("retention: each team's plan decides how long its logs are kept", () => {
  let db: { url: string; drop: () => Promise<void> }
  let seed: PgSeed
  let runtime: ManagedRuntime.ManagedRuntime<SubscriptionRepository, unknown>
  const task = periodicTasks.find((t) => t.name === "logs.purge")

  const purgeAt = (now: number) =>
    runtime.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(now)
        yield* (task?.run ?? Effect.die("no logs.purge task")) as Effect.Effect<void>
      }).pipe(Effect.provide(TestContext.TestContext))
    )
  const assign = (teamId: number, planId: string) =>
    runtime.runPromise(
      Effect.flatMap(SubscriptionRepository, (s) =>
        s.apply(teamId as TeamId, {
          record: {
            kind: "plan_changed",
            eventId: null,
            planId,
            amountCents: null,
            currency: null,
            detail: {},
            createdAt: new Date(T)
          },
          occurredAt: null,
          planId: planId as PlanId
        })
      )
    )
  const savePlan = (p: Plan) =>
    runtime.runPromise(Effect.flatMap(SubscriptionRepository, (s) => s.savePlan(p)))

  beforeAll(async () => {
    db = await createTestDatabase()
    const subscriptions = PgSubscriptionRepository.layer
    runtime = ManagedRuntime.make(
      Layer.mergeAll(
        PgAuditLog.layer,
        PgRequestLog.layer(),
        PgRetentionStore.layer,
        PgSignupFormRepository.layer,
        subscriptions,
        // The no-billing default set to 20 days, as POSTSTACK_RETENTION_DAYS=20 would.
        PlanRetentionPolicySource.layer(20).pipe(Layer.provide(subscriptions)),
        FileBlobStore.layer(mkdtempSync(path.join(tmpdir(), "poststack-plan-retention-")))
      ).pipe(Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 3 })))
    ) as ManagedRuntime.ManagedRuntime<SubscriptionRepository, unknown>
    await runtime.runPromise(Effect.void)
    seed = pgSeed(db.url)
  })
  afterAll(async () => {
    await seed.close()
    await runtime.dispose()
    await db.drop()
  })

  it("a 14-day team loses 15-day-old mail, a 90-day team keeps it, a team without a plan follows the install's default", async () => {
    await savePlan(plan("starter", 14))
    await savePlan(plan("business", 90))
    const [short, long, none] = [await seed.team("short"), await seed.team("long"), await seed.team("none")]
    await assign(short, "starter")
    await assign(long, "business")
    const mail = async (team: number) => ({
      old: await seed.email(team, ago(15 * DAY), `old-${team}@rcpt.test`),
      young: await seed.email(team, ago(13 * DAY), `young-${team}@rcpt.test`),
      event: await seed.event(team, ago(15 * DAY), `old-${team}@rcpt.test`)
    })
    const [s, l, n] = [await mail(short), await mail(long), await mail(none)]
    const veryOld = await seed.email(long, ago(89 * DAY), "kept@rcpt.test")
    const noneOld = await seed.email(none, ago(21 * DAY), "gone@rcpt.test")

    await purgeAt(T)

    const ids = async (team: number) =>
      (await seed.q<{ id: string }>("SELECT id FROM emails WHERE team_id = $1 ORDER BY id", [team])).map(
        (r) => Number(r.id)
      )
    expect(await ids(short)).toEqual([s.young])
    expect(await seed.count("events WHERE id = $1", [s.event])).toBe(0)
    expect(await ids(long)).toEqual([l.old, l.young, veryOld])
    expect(await seed.count("events WHERE id = $1", [l.event])).toBe(1)
    // No plan: the unlimited plan, whose retention is the configured default (20 days here).
    expect(await ids(none)).toEqual([n.old, n.young])

    // Two days on: the 90-day team still keeps everything up to its 90th day.
    await purgeAt(T + 2 * DAY)
    expect(await ids(short)).toEqual([])
    expect(await ids(long)).toEqual([l.old, l.young])
    expect(await seed.count("emails WHERE id = $1", [noneOld])).toBe(0)
  })

  it("the operator's own retention on the unlimited plan wins over the install's default", async () => {
    await savePlan(plan("unlimited", 14))
    const team = await seed.team("edited")
    const old = await seed.email(team, ago(15 * DAY), "fifteen@rcpt.test")
    const young = await seed.email(team, ago(13 * DAY), "thirteen@rcpt.test")
    await purgeAt(T)
    expect(await seed.count("emails WHERE id = $1", [old])).toBe(0)
    expect(await seed.count("emails WHERE id = $1", [young])).toBe(1)
  })
})
