import { Schema } from "effect"

/** A plan's id: the operator's slug (`free`, `pro`), used in the CLI, the API and Stripe metadata. */
export const PlanId = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9][a-z0-9_-]{0,39}$/),
  Schema.brand("PlanId"),
  Schema.annotations({ description: "Lower-case letters, digits, - and _, up to 40 characters" })
)
export type PlanId = typeof PlanId.Type

const Count = Schema.Int.pipe(Schema.greaterThanOrEqualTo(0))

/** Log retention the policy allows a plan (P22): 14 to 90 days. */
export const RetentionDays = Schema.Int.pipe(Schema.between(14, 90))

/**
 * What a team may send and keep, as data the operator edits. A `null` limit is no limit. With an
 * overage price, the monthly limit is what the subscription includes and mail past it is billed
 * per thousand; without one, the monthly limit is a hard stop. The daily limit is always a stop.
 */
export class Plan extends Schema.Class<Plan>("Plan")({
  id: PlanId,
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100)),
  monthlyLimit: Schema.NullOr(Count),
  dailyLimit: Schema.NullOr(Count),
  retentionDays: RetentionDays,
  /** Price of each 1,000 emails past the monthly limit, in cents; `null`: no overage, a hard limit. */
  overageCentsPer1000: Schema.NullOr(Count),
  /** The Stripe price a subscription to this plan carries; `null`: not sold through Stripe. */
  stripePriceId: Schema.NullOr(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))),
  /**
   * Bulk (marketing) deliveries a team may hand to receivers per clock hour; past it they wait in
   * the queue for the next hour, never failed. Transactional mail is never held by it. `null`: no rate.
   */
  bulkHourlyLimit: Schema.optionalWith(Schema.NullOr(Count), { default: () => null })
}) {}

/** The plan of every team while the operator has set up none: no limits, 30 days of logs. */
export const DEFAULT_PLAN_ID = PlanId.make("unlimited")

export const unlimitedPlan = new Plan({
  id: DEFAULT_PLAN_ID,
  name: "Unlimited",
  monthlyLimit: null,
  dailyLimit: null,
  retentionDays: 30,
  overageCentsPer1000: null,
  stripePriceId: null
})

/** Whether a send can never be refused for volume: no read of usage is needed for it. */
export const isUnlimited = (plan: Plan): boolean => plan.monthlyLimit === null && plan.dailyLimit === null
