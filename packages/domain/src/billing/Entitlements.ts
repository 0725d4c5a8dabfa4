import type { Plan } from "./Plan.js"
import { isUnlimited } from "./Plan.js"
import { billingPeriodOf, type UsageToDate } from "./Usage.js"

/** Where a team's subscription stands; `none` is a team that never subscribed. */
export type BillingStatus = "none" | "active" | "past_due" | "canceled"

/** What decides whether a team may send: its plan and the state of its payments. */
export interface Entitlement {
  readonly plan: Plan
  readonly status: BillingStatus
  /** While `past_due`, sending goes on until then (the grace period after a failed payment). */
  readonly graceUntil: Date | null
}

/** Why a send is refused for its volume or the team's payments, as the contract's codes name it. */
export type Refusal = "monthly" | "daily" | "send"

/** A payment failed and its grace period is over: the team may not send until it pays. */
export const sendingSuspended = (entitlement: Entitlement, now: Date): boolean =>
  entitlement.status === "past_due" &&
  entitlement.graceUntil !== null &&
  now.getTime() >= entitlement.graceUntil.getTime()

/** Whether a send must read usage at all: not for an unlimited plan. */
export const needsUsage = (entitlement: Entitlement): boolean => !isUnlimited(entitlement.plan)

/**
 * Whether one more email fits: the monthly limit first (unless overage is billed past it), then
 * the daily one. `usage` counts what was accepted before this email.
 */
export const quotaRefusal = (plan: Plan, usage: UsageToDate): Refusal | null => {
  if (plan.monthlyLimit !== null && plan.overageCentsPer1000 === null && usage.month >= plan.monthlyLimit)
    return "monthly"
  if (plan.dailyLimit !== null && usage.today >= plan.dailyLimit) return "daily"
  return null
}

/**
 * How many more emails fit under the plan's limits (`null`: none applies): the smaller of what the
 * month (when it is a stop) and the day leave. `usage` counts what was accepted or held already.
 */
export const quotaRoom = (plan: Plan, usage: UsageToDate): number | null => {
  const rooms: Array<number> = []
  if (plan.monthlyLimit !== null && plan.overageCentsPer1000 === null)
    rooms.push(plan.monthlyLimit - usage.month)
  if (plan.dailyLimit !== null) rooms.push(plan.dailyLimit - usage.today)
  return rooms.length === 0 ? null : Math.max(0, Math.min(...rooms))
}

/** When the limit that refuses at `now` lets mail through again: the next UTC day or the next month. */
export const quotaResetAt = (refusal: "monthly" | "daily", now: Date): Date =>
  refusal === "monthly"
    ? billingPeriodOf(now).end
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1))

/** Emails of a month billed as overage: those past the monthly limit, when the plan bills overage. */
export const overageOf = (plan: Plan, monthTotal: number): number =>
  plan.monthlyLimit === null || plan.overageCentsPer1000 === null
    ? 0
    : Math.max(0, monthTotal - plan.monthlyLimit)

/** Days of sending left after a failed payment before it is suspended. */
export const GRACE_DAYS = 7

/** When the grace period of a payment failing at `now` ends (an earlier one still running is kept). */
export const graceUntilAfterFailure = (current: Date | null, now: Date, graceDays = GRACE_DAYS): Date =>
  current !== null && current.getTime() > now.getTime()
    ? current
    : new Date(now.getTime() + graceDays * 86_400_000)
