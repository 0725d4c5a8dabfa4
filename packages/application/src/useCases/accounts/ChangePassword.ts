import { CredentialsRejected, type Session } from "@poststack/domain"
import { Clock, Effect, Option, type Redacted } from "effect"
import { PasswordHasher } from "../../ports/PasswordHasher.js"
import { SessionStore } from "../../ports/SessionStore.js"
import { UserRepository } from "../../ports/UserRepository.js"
import { mails } from "./mails.js"
import { SendSystemMail } from "./SendSystemMail.js"
import { auditPerson } from "./auditPerson.js"

/**
 * Changes the password of the signed-in person, who must give the current one; every other
 * session ends, and a security notice is mailed.
 */
export const ChangePassword = Effect.fn("ChangePassword")(function* (
  session: Session,
  current: Redacted.Redacted<string>,
  next: Redacted.Redacted<string>
) {
  const users = yield* UserRepository
  const hasher = yield* PasswordHasher
  const found = yield* users.get(session.userId)
  const check = yield* hasher.verify(Option.isSome(found) ? found.value.passwordHash : null, current)
  if (Option.isNone(found) || !check.matches)
    return yield* new CredentialsRejected({ message: "The current password is wrong" })
  yield* users.setPasswordHash(session.userId, yield* hasher.hash(next))
  const ended = yield* (yield* SessionStore).revokeAll(session.userId, session.id)
  const now = new Date(yield* Clock.currentTimeMillis)
  const user = found.value.user
  yield* SendSystemMail(mails.securityNotice(user.email, "Your password was changed", now, user.timeZone))
  yield* auditPerson(session.userId, "account.password_changed", "personal", {
    details: { ended_sessions: ended }
  })
  return { endedSessions: ended }
})
