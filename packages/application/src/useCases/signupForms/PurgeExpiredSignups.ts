import { CONFIRMATION_TTL_MS } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { SignupFormRepository } from "../../ports/SignupFormRepository.js"

/**
 * A step of the hourly purge: signup submissions whose confirmation link has expired (seven days)
 * without being followed hold an address that never opted in, so they go, batch after batch.
 * Returns how many.
 */
export const PurgeExpiredSignups = Effect.fn("PurgeExpiredSignups")(function* (batch: number = 2_000) {
  const forms = yield* SignupFormRepository
  const before = new Date((yield* Clock.currentTimeMillis) - CONFIRMATION_TTL_MS)
  let removed = 0
  for (;;) {
    const gone = yield* forms.purgeUnconfirmedBefore(before, batch)
    removed += gone
    if (gone < batch) break
    yield* Effect.yieldNow()
  }
  if (removed > 0)
    yield* Effect.logInfo("expired signup submissions purged").pipe(Effect.annotateLogs({ removed }))
  return removed
})
