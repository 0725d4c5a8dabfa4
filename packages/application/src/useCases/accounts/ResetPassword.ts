import { LinkInvalid } from "@poststack/domain"
import { Clock, Effect, Option, type Redacted } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { PasswordHasher } from "../../ports/PasswordHasher.js"
import { SessionStore } from "../../ports/SessionStore.js"
import { UserRepository } from "../../ports/UserRepository.js"
import { mails } from "./mails.js"
import { SendSystemMail } from "./SendSystemMail.js"
import { auditPerson } from "./auditPerson.js"

/**
 * Sets a new password from a reset link (once, within the hour), ends every session of the
 * account, and sends a security notice. Following the link also proves the address, so an
 * unverified account becomes verified.
 */
export const ResetPassword = Effect.fn("ResetPassword")(function* (
  token: Redacted.Redacted<string>,
  password: Redacted.Redacted<string>
) {
  const now = new Date(yield* Clock.currentTimeMillis)
  const users = yield* UserRepository
  const used = yield* users.consumeLink((yield* AccountTokens).hash(token), "reset_password", now)
  if (Option.isNone(used))
    return yield* new LinkInvalid({ message: "This link is invalid, used or expired: ask for a new one" })
  const userId = used.value.userId
  yield* users.setPasswordHash(userId, yield* (yield* PasswordHasher).hash(password))
  const user = yield* users.get(userId)
  if (Option.isSome(user) && user.value.user.emailVerifiedAt === null)
    yield* users.markEmailVerified(userId, now)
  yield* (yield* SessionStore).revokeAll(userId, null)
  yield* auditPerson(userId, "account.password_reset", "personal")
  if (Option.isSome(user))
    yield* SendSystemMail(
      mails.securityNotice(user.value.user.email, "Your password was reset", now, user.value.user.timeZone)
    )
})
