import { overageOf, previousPeriodOf, type TeamId } from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { BillingGateway } from "../../ports/BillingGateway.js"
import { SubscriptionRepository } from "../../ports/SubscriptionRepository.js"
import { UsageMeter } from "../../ports/UsageMeter.js"

/**
 * Reports last month's overage of every team on a plan that bills it, once per team and period:
 * the period is marked before the call and the provider is given a report id derived from team
 * and period, so neither a second round nor a retried call bills twice. A failed call unmarks the
 * period for the next round. Returns the teams reported.
 */
export const ReportOverage = Effect.fn("ReportOverage")(function* () {
  const gateway = yield* BillingGateway
  if (!gateway.configured) return [] as ReadonlyArray<TeamId>
  const subscriptions = yield* SubscriptionRepository
  const meter = yield* UsageMeter
  const now = new Date(yield* Clock.currentTimeMillis)
  const period = previousPeriodOf(now)
  const reported: Array<TeamId> = []
  for (const team of yield* subscriptions.overageTeams()) {
    if (team.customerId === null) continue
    const plan = yield* subscriptions.findPlan(team.planId)
    if (Option.isNone(plan)) continue
    // The last moment of the period: its month total is what was accepted by then.
    const month = (yield* meter.toDate(team.teamId, new Date(period.end.getTime() - 1))).month
    const quantity = overageOf(plan.value, month)
    if (quantity === 0) continue
    if (!(yield* meter.markOverageReported(team.teamId, period.key, quantity))) continue
    const reportId = `overage-${team.teamId}-${period.key}`
    const sent = yield* gateway
      .reportOverage({
        customerId: team.customerId,
        quantity,
        reportId,
        at: new Date(period.end.getTime() - 1000)
      })
      .pipe(Effect.either)
    if (sent._tag === "Left") {
      yield* meter.unmarkOverageReported(team.teamId, period.key)
      yield* Effect.logWarning("overage not reported; next round retries", sent.left)
      continue
    }
    yield* subscriptions.apply(team.teamId, {
      record: {
        kind: "overage_reported",
        eventId: reportId,
        planId: plan.value.id,
        amountCents: Math.ceil((quantity * (plan.value.overageCentsPer1000 ?? 0)) / 1000),
        currency: null,
        detail: { period: period.key, quantity },
        createdAt: now
      },
      occurredAt: null
    })
    reported.push(team.teamId)
  }
  return reported
})
