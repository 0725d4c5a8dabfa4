import { decide, type RateLimitPolicy, windowStart } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { RateLimiterStore } from "../ports/RateLimiterStore.js"

/** Counts one request for `subject` and says whether it is within the policy. */
// Untraced, as it runs on every API request (see SendEmail).
export const CheckRateLimit = Effect.fnUntraced(function* (policy: RateLimitPolicy, subject: string) {
  const store = yield* RateLimiterStore
  const now = yield* Clock.currentTimeMillis
  const start = windowStart(policy, now)
  const counted = yield* store.hit(subject, start, policy.windowMs)
  return decide(policy, counted)
})
