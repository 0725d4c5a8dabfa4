import { type BillingRecord, SubscriptionRepository, type TeamBilling } from "@poststack/application"
import { DEFAULT_PLAN_ID, type Plan, type TeamId, unlimitedPlan } from "@poststack/domain"
import { Effect, Layer, Option } from "effect"

/** The twin of `PgSubscriptionRepository`, in memory. */
export const make = Effect.sync(() => {
  const plans = new Map<string, Plan>()
  const billing = new Map<TeamId, TeamBilling & { readonly lastEventAt: Date | null }>()
  const records: Array<BillingRecord> = []
  const billingOf = (teamId: TeamId): TeamBilling & { readonly lastEventAt: Date | null } =>
    billing.get(teamId) ?? {
      teamId,
      planId: DEFAULT_PLAN_ID,
      status: "none",
      graceUntil: null,
      customerId: null,
      subscriptionId: null,
      lastEventAt: null
    }
  const planOf = (id: string) =>
    Option.fromNullable(plans.get(id) ?? (id === DEFAULT_PLAN_ID ? unlimitedPlan : undefined))
  return SubscriptionRepository.of({
    listPlans: () =>
      Effect.sync(() => {
        const all = [...plans.values()].sort((a, b) => a.id.localeCompare(b.id))
        return all.some((p) => p.id === DEFAULT_PLAN_ID) ? all : [unlimitedPlan, ...all]
      }),
    findPlan: (id) => Effect.sync(() => planOf(id)),
    findPlanByPrice: (priceId) =>
      Effect.sync(() => Option.fromNullable([...plans.values()].find((p) => p.stripePriceId === priceId))),
    savePlan: (plan) => Effect.sync(() => void plans.set(plan.id, plan)),
    entitlementOf: (teamId) =>
      Effect.sync(() => {
        const b = billingOf(teamId)
        return {
          plan: Option.getOrElse(planOf(b.planId), () => unlimitedPlan),
          status: b.status,
          graceUntil: b.graceUntil
        }
      }),
    billingOf: (teamId) =>
      Effect.sync(() => {
        const { lastEventAt: _, ...b } = billingOf(teamId)
        return b
      }),
    teamOfCustomer: (customerId) =>
      Effect.sync(() =>
        Option.fromNullable([...billing.values()].find((b) => b.customerId === customerId)?.teamId)
      ),
    apply: (teamId, change) =>
      Effect.sync(() => {
        if (change.record.eventId !== null && records.some((r) => r.eventId === change.record.eventId))
          return "duplicate" as const
        records.push({ ...change.record, id: records.length + 1, teamId })
        const b = billingOf(teamId)
        if (change.occurredAt !== null && b.lastEventAt !== null && b.lastEventAt > change.occurredAt)
          return "stale" as const
        billing.set(teamId, {
          teamId,
          planId: change.planId ?? b.planId,
          status: change.status ?? b.status,
          graceUntil: change.graceUntil !== undefined ? change.graceUntil : b.graceUntil,
          customerId: change.customerId ?? b.customerId,
          subscriptionId: change.subscriptionId !== undefined ? change.subscriptionId : b.subscriptionId,
          lastEventAt: change.occurredAt ?? b.lastEventAt
        })
        return "applied" as const
      }),
    records: (teamId) => Effect.sync(() => records.filter((r) => r.teamId === teamId).reverse()),
    overageTeams: () =>
      Effect.sync(() =>
        [...billing.values()]
          .filter((b) => {
            const plan = plans.get(b.planId)
            return (
              b.customerId !== null &&
              plan !== undefined &&
              plan.overageCentsPer1000 !== null &&
              plan.monthlyLimit !== null
            )
          })
          .sort((a, b) => a.teamId - b.teamId)
          .map(({ lastEventAt: _, ...b }) => b)
      )
  })
})

export const layer = Layer.effect(SubscriptionRepository, make)
