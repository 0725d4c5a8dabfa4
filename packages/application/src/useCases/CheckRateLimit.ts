import { decide, type RateLimitPolicy, windowStart } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { RateLimiterStore } from "../ports/RateLimiterStore.js"

/** Counts one request for `subject` and says whether it is within the policy. */
export const CheckRateLimit = Effect.fn("CheckRateLimit")(function* (
  policy: RateLimitPolicy,
  subject: string
) {
  const store = yield* RateLimiterStore
  const now = yield* Clock.currentTimeMillis
  const start = windowStart(policy, now)
  const counted = yield* store.hit(subject, start, policy.windowMs)
  return decide(policy, counted)
})
