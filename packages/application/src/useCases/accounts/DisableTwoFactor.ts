import { CredentialsRejected, type Session, StateConflict } from "@poststack/domain"
import { Clock, Effect, Option, Redacted } from "effect"
import { PasswordHasher } from "../../ports/PasswordHasher.js"
import { TwoFactorStore } from "../../ports/TwoFactorStore.js"
import { UserRepository } from "../../ports/UserRepository.js"
import { GuardAttempt } from "./GuardAttempt.js"
import { mails } from "./mails.js"
import { CheckSecondFactor } from "./SecondFactor.js"
import { SendSystemMail } from "./SendSystemMail.js"
import { auditPerson } from "./auditPerson.js"

/**
 * Turns the second factor off, after the person proves themselves again with their password or a
 * current code (TOTP or backup): a session left open on a shared computer is not enough. Attempts
 * count against the two-factor budget. A security notice is mailed.
 */
export const DisableTwoFactor = Effect.fn("DisableTwoFactor")(function* (
  session: Session,
  proof: { readonly password?: Redacted.Redacted<string>; readonly code?: Redacted.Redacted<string> },
  address: string | null
) {
  yield* GuardAttempt("two_factor_disable", session.userId, address)
  const store = yield* TwoFactorStore
  if (!(yield* store.status(session.userId)).enabled)
    return yield* new StateConflict({ message: "Two-factor authentication is not on" })
  const found = yield* (yield* UserRepository).get(session.userId)
  let proven = false
  if (proof.password !== undefined) {
    const stored = Option.isSome(found) ? found.value.passwordHash : null
    proven = (yield* (yield* PasswordHasher).verify(stored, proof.password)).matches && Option.isSome(found)
  } else if (proof.code !== undefined) {
    proven = yield* CheckSecondFactor(session.userId, Redacted.value(proof.code))
  }
  if (!proven) return yield* new CredentialsRejected({ message: "The password or code is wrong" })
  yield* store.disable(session.userId)
  yield* auditPerson(session.userId, "account.two_factor_disabled", "personal", {
    details: { proof: proof.password !== undefined ? "password" : "code" }
  })
  if (Option.isSome(found)) {
    const user = found.value.user
    const now = new Date(yield* Clock.currentTimeMillis)
    yield* SendSystemMail(
      mails.twoFactorNotice(user.email, "Two-factor authentication was turned off", now, user.timeZone)
    )
  }
})
