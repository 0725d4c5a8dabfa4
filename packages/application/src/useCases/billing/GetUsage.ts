import { billingPeriodOf, fillDays, overageOf, type Principal, sendingSuspended } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { SubscriptionRepository } from "../../ports/SubscriptionRepository.js"
import { UsageMeter } from "../../ports/UsageMeter.js"
import { authorize } from "../Principal.js"

/**
 * The team's usage against its plan: the plan, where its payments stand, this month's live
 * emails against the limits, the overage so far, and every day of the last `days` (test sends
 * shown apart).
 */
export const GetUsage = Effect.fn("GetUsage")(function* (principal: Principal, days: number) {
  const scope = yield* authorize(principal, "billing")
  const now = new Date(yield* Clock.currentTimeMillis)
  const subscriptions = yield* SubscriptionRepository
  const meter = yield* UsageMeter
  const entitlement = yield* subscriptions.entitlementOf(scope.teamId)
  const billing = yield* subscriptions.billingOf(scope.teamId)
  const toDate = yield* meter.toDate(scope.teamId, now)
  const from = new Date(now.getTime() - (days - 1) * 86_400_000)
  const daily = fillDays(from, now, yield* meter.daily(scope.teamId, from, now))
  const period = billingPeriodOf(now)
  return {
    plan: entitlement.plan,
    status: entitlement.status,
    graceUntil: entitlement.graceUntil,
    suspended: sendingSuspended(entitlement, now),
    customer: billing.customerId !== null,
    period,
    today: toDate.today,
    month: toDate.month,
    overage: overageOf(entitlement.plan, toDate.month),
    days: daily
  }
})
