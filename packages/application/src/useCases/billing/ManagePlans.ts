import {
  DEFAULT_PLAN_ID,
  type Plan,
  type PlanId,
  PlanNotFound,
  type Principal,
  type TeamId,
  ValidationFailed
} from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { SubscriptionRepository } from "../../ports/SubscriptionRepository.js"
import { recordAudit } from "../audit/RecordAudit.js"
import { asOperator, authorize } from "../Principal.js"

/** Every plan, the default unlimited one first. */
export const ListPlans = Effect.fn("ListPlans")(function* () {
  const plans = yield* (yield* SubscriptionRepository).listPlans()
  return [...plans].sort((a, b) =>
    a.id === DEFAULT_PLAN_ID ? -1 : b.id === DEFAULT_PLAN_ID ? 1 : a.id.localeCompare(b.id)
  )
})

/** The plans a principal of a team may see (to choose an upgrade). */
export const ListPlansFor = Effect.fn("ListPlansFor")(function* (principal: Principal) {
  yield* authorize(principal, "billing")
  return yield* ListPlans()
})

/**
 * Creates or replaces a plan (an operator's action). The default plan stays unlimited: a
 * self-hosted install without billing must never find its sending limited by an edit.
 */
export const SavePlan = Effect.fn("SavePlan")(function* (plan: Plan) {
  if (
    plan.id === DEFAULT_PLAN_ID &&
    (plan.monthlyLimit !== null || plan.dailyLimit !== null || plan.bulkHourlyLimit !== null)
  )
    return yield* new ValidationFailed({
      message: `The ${DEFAULT_PLAN_ID} plan cannot have limits; create another plan`
    })
  yield* (yield* SubscriptionRepository).savePlan(plan)
  return plan
})

/** Puts a team on a plan by hand (an operator's action), kept as a billing record. */
export const AssignPlan = Effect.fn("AssignPlan")(function* (teamId: TeamId, planId: PlanId) {
  const subscriptions = yield* SubscriptionRepository
  const plan = yield* subscriptions.findPlan(planId)
  if (Option.isNone(plan)) return yield* new PlanNotFound({ planId })
  const now = new Date(yield* Clock.currentTimeMillis)
  yield* subscriptions.apply(teamId, {
    record: {
      kind: "plan_changed",
      eventId: null,
      planId,
      amountCents: null,
      currency: null,
      detail: { source: "operator" },
      createdAt: now
    },
    occurredAt: now,
    planId
  })
  yield* recordAudit(
    asOperator(teamId),
    "billing.plan_changed",
    { type: "plan", id: planId },
    { source: "operator" }
  )
  return plan.value
})
