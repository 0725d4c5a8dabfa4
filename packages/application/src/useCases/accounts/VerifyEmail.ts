import { LinkInvalid } from "@poststack/domain"
import { Clock, Effect, Option, type Redacted } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { UserRepository } from "../../ports/UserRepository.js"

/** Confirms the address a verification link was sent to; a link works once, before it expires. */
export const VerifyEmail = Effect.fn("VerifyEmail")(function* (token: Redacted.Redacted<string>) {
  const now = new Date(yield* Clock.currentTimeMillis)
  const users = yield* UserRepository
  const used = yield* users.consumeLink((yield* AccountTokens).hash(token), "verify_email", now)
  if (Option.isNone(used))
    return yield* new LinkInvalid({ message: "This link is invalid, used or expired: ask for a new one" })
  yield* users.markEmailVerified(used.value.userId, now)
})
