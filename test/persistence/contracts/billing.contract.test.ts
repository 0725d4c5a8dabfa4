import { MemoryRepositories } from "@poststack/adapters-persistence"
import { SubscriptionRepository, TeamRepository, UsageMeter } from "@poststack/application"
import { DEFAULT_PLAN_ID, Plan, PlanId, type TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { memorySubject as memoryTwins, type PortSubject, postgresSubject } from "./portSubjects.js"

type Ports = SubscriptionRepository | UsageMeter | TeamRepository

const memorySubject = memoryTwins(MemoryRepositories.layer)

const plan = (id: string, fields: Partial<ConstructorParameters<typeof Plan>[0]> = {}) =>
  Plan.make({
    id: PlanId.make(id),
    name: id,
    monthlyLimit: null,
    dailyLimit: null,
    retentionDays: 30,
    overageCentsPer1000: null,
    stripePriceId: null,
    ...fields
  })

const newTeam = Effect.map(
  Effect.flatMap(TeamRepository, (t) => t.create("billing")),
  (team) => team.id
)

const record = (eventId: string | null) => ({
  kind: "subscription_changed" as const,
  eventId,
  planId: null,
  amountCents: null,
  currency: null,
  detail: { from: "contract" },
  createdAt: new Date("2026-03-01T00:00:00Z")
})

for (const [name, make] of [
  ["memory", memorySubject],
  ["postgres", postgresSubject]
] as const) {
  describe(`SubscriptionRepository and UsageMeter contract (${name})`, () => {
    let subject: PortSubject<Ports>
    beforeAll(async () => {
      subject = (await make()) as PortSubject<Ports>
    })
    afterAll(async () => {
      await subject?.close()
    })

    it("knows the unlimited plan before any is saved, and puts a new team on it with status none", async () => {
      const { plans, entitlement, billing } = await subject.run(
        Effect.gen(function* () {
          const repo = yield* SubscriptionRepository
          const team = yield* newTeam
          return {
            plans: yield* repo.listPlans(),
            entitlement: yield* repo.entitlementOf(team),
            billing: yield* repo.billingOf(team)
          }
        })
      )
      expect(plans.map((p) => p.id)).toContain(DEFAULT_PLAN_ID)
      expect(entitlement).toMatchObject({
        plan: { id: "unlimited", monthlyLimit: null, retentionDays: 30 },
        status: "none",
        graceUntil: null
      })
      expect(billing).toMatchObject({
        planId: "unlimited",
        status: "none",
        customerId: null,
        subscriptionId: null
      })
    })

    it("saves and replaces plans, finds them by Stripe price, and applies a change with its record once", async () => {
      const out = await subject.run(
        Effect.gen(function* () {
          const repo = yield* SubscriptionRepository
          const team = yield* newTeam
          yield* repo.savePlan(plan("starter", { monthlyLimit: 10, stripePriceId: "price_starter" }))
          yield* repo.savePlan(
            plan("starter", { monthlyLimit: 20, stripePriceId: "price_starter", bulkHourlyLimit: 5000 })
          )
          const byPrice = yield* repo.findPlanByPrice("price_starter")
          const first = yield* repo.apply(team, {
            record: record("evt_contract_1"),
            occurredAt: new Date("2026-03-01T00:00:02Z"),
            planId: PlanId.make("starter"),
            status: "active",
            customerId: `cus_${team}`,
            subscriptionId: "sub_1"
          })
          const replay = yield* repo.apply(team, {
            record: record("evt_contract_1"),
            occurredAt: new Date("2026-03-01T00:00:02Z"),
            planId: DEFAULT_PLAN_ID
          })
          const older = yield* repo.apply(team, {
            record: record("evt_contract_0"),
            occurredAt: new Date("2026-03-01T00:00:01Z"),
            status: "canceled"
          })
          const linked = yield* repo.apply(team, {
            record: record(null),
            occurredAt: null,
            graceUntil: new Date("2026-03-09T00:00:00Z")
          })
          return {
            team,
            byPrice: Option.map(byPrice, (p) => [p.monthlyLimit, p.bulkHourlyLimit]),
            results: [first, replay, older, linked],
            entitlement: yield* repo.entitlementOf(team),
            billing: yield* repo.billingOf(team),
            owner: yield* repo.teamOfCustomer(`cus_${team}`),
            records: (yield* repo.records(team)).map((r) => r.eventId),
            overage: yield* repo.overageTeams()
          }
        })
      )
      expect(out.byPrice).toEqual(Option.some([20, 5000]))
      expect(out.results).toEqual(["applied", "duplicate", "stale", "applied"])
      expect(out.entitlement).toMatchObject({
        plan: { id: "starter", monthlyLimit: 20, bulkHourlyLimit: 5000 },
        status: "active"
      })
      expect(out.billing).toMatchObject({
        planId: "starter",
        status: "active",
        subscriptionId: "sub_1",
        graceUntil: new Date("2026-03-09T00:00:00Z")
      })
      expect(out.owner).toEqual(Option.some(out.team))
      // Newest first; the stale event is kept as a record, the replay is not.
      expect(out.records).toEqual([null, "evt_contract_0", "evt_contract_1"])
      // No overage on a plan that bills none.
      expect(out.overage.map((b) => b.teamId)).not.toContain(out.team)
    })

    it("holds places under the limits until settled, so a batch cannot pass a limit between its emails", async () => {
      const out = await subject.run(
        Effect.gen(function* () {
          const meter = yield* UsageMeter
          const team: TeamId = yield* newTeam
          const limited = plan("three", { dailyLimit: 3 })
          const now = new Date()
          const admitted = yield* Effect.all(
            Array.from({ length: 5 }, () => meter.admit(team, limited, now)),
            { concurrency: "unbounded" }
          )
          // One place given back without an email written: it is free again.
          const held = admitted.find((r) => typeof r !== "string")
          if (held === undefined || typeof held === "string") return yield* Effect.dieMessage("nothing held")
          yield* meter.settle(team, held, false, now)
          const again = yield* meter.admit(team, limited, now)
          const full = yield* meter.admit(team, limited, now)
          return {
            admitted,
            again,
            full,
            usage: yield* meter.toDate(team, now),
            days: yield* meter.daily(team, now, now)
          }
        })
      )
      expect(out.admitted.filter((r) => typeof r !== "string")).toHaveLength(3)
      expect(out.admitted.filter((r) => r === "daily")).toHaveLength(2)
      expect(typeof out.again).toBe("object")
      expect(out.full).toBe("daily")
      // Nothing was written: stored usage is still zero.
      expect(out.usage).toEqual({ today: 0, month: 0 })
      expect(out.days).toEqual([])
    })

    it("marks a period's overage reported once, and can take the mark back", async () => {
      const marks = await subject.run(
        Effect.gen(function* () {
          const meter = yield* UsageMeter
          const team = yield* newTeam
          const first = yield* meter.markOverageReported(team, "2026-02", 10)
          const second = yield* meter.markOverageReported(team, "2026-02", 10)
          yield* meter.unmarkOverageReported(team, "2026-02")
          const third = yield* meter.markOverageReported(team, "2026-02", 10)
          return [first, second, third]
        })
      )
      expect(marks).toEqual([true, false, true])
    })
  })
}
