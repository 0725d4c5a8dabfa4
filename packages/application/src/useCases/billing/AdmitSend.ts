import {
  DailyLimitExceeded,
  MonthlyLimitExceeded,
  needsUsage,
  SendLimitExceeded,
  sendingSuspended,
  type TeamId
} from "@poststack/domain"
import { Effect } from "effect"
import { SubscriptionRepository } from "../../ports/SubscriptionRepository.js"
import { UsageMeter } from "../../ports/UsageMeter.js"

/**
 * A place under the team's limits: `hold` goes with the email to the store (which releases it in
 * the commit that writes it), and `settle` runs once the email is written, or not.
 */
export interface Admission {
  readonly hold: string | null
  readonly settle: (accepted: boolean) => Effect.Effect<void>
}

export const SUSPENDED =
  "Sending is suspended: a payment failed and its grace period has ended; update the card in the billing portal"

const nothingHeld: Admission = { hold: null, settle: () => Effect.void }

/**
 * The entitlement step of a send: a team whose payment failed past its grace period may not send
 * (`SendLimitExceeded`); on a limited plan, the email must fit under the monthly and daily limits.
 * Test-mode sends are never held against a plan. An unlimited plan reads no usage: the
 * entitlement comes from the repository's short cache, so the step costs no round trip.
 */
export const AdmitSend = Effect.fnUntraced(function* (teamId: TeamId, testMode: boolean, now: Date) {
  if (testMode) return nothingHeld
  const entitlement = yield* (yield* SubscriptionRepository).entitlementOf(teamId)
  if (sendingSuspended(entitlement, now)) return yield* new SendLimitExceeded({ message: SUSPENDED })
  if (!needsUsage(entitlement)) return nothingHeld
  const meter = yield* UsageMeter
  const plan = entitlement.plan
  const refusal = yield* meter.admit(teamId, plan, now)
  if (typeof refusal !== "string")
    return {
      hold: refusal.id,
      settle: (accepted: boolean) => meter.settle(teamId, refusal, accepted, now)
    } satisfies Admission
  if (refusal === "monthly")
    return yield* new MonthlyLimitExceeded({
      message: `Monthly email limit of ${plan.monthlyLimit} reached for the ${plan.name} plan`
    })
  if (refusal === "daily")
    return yield* new DailyLimitExceeded({
      message: `Daily email limit of ${plan.dailyLimit} reached for the ${plan.name} plan`
    })
  return yield* new SendLimitExceeded({ message: SUSPENDED })
})
