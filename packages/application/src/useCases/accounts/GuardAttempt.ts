import { GUARD_POLICIES, type GuardedAction, RateLimitExceeded } from "@poststack/domain"
import { Effect } from "effect"
import { Digest } from "../../ports/Digest.js"
import { CheckRateLimit } from "../CheckRateLimit.js"

/** How long the person is to wait, as they would say it. */
const waitOf = (seconds: number) => (seconds <= 60 ? "a minute" : `${Math.ceil(seconds / 60)} minutes`)

/**
 * Counts one attempt at `action` against the account (by the address typed, hashed so no address
 * is written to the shared store) and against the client's address; over either budget, the
 * attempt is refused before any password is looked at. A store outage lets attempts through, as
 * the API's own rate limits do, with a warning.
 */
export const GuardAttempt = Effect.fnUntraced(function* (
  action: GuardedAction,
  email: string,
  address: string | null
) {
  const digest = yield* Digest
  const policies = GUARD_POLICIES[action]
  const subjects = [
    [policies.perAccount, `guard:${action}:account:${digest.sha256(email.trim().toLowerCase())}`],
    [policies.perAddress, `guard:${action}:address:${address ?? "unknown"}`]
  ] as const
  for (const [policy, subject] of subjects) {
    const decision = yield* CheckRateLimit(policy, subject).pipe(
      Effect.catchTag("StoreUnavailable", () =>
        Effect.logWarning("rate limiter store unavailable: attempt allowed").pipe(Effect.as(null))
      )
    )
    if (decision !== null && !decision.allowed)
      return yield* new RateLimitExceeded({
        message: `Too many attempts: try again in ${waitOf(decision.resetSeconds)}`,
        retryAfterSeconds: decision.resetSeconds
      })
  }
})
