import { CredentialsRejected, type Session } from "@poststack/domain"
import { Effect, Option, Redacted } from "effect"
import { PasswordHasher } from "../../ports/PasswordHasher.js"
import { TwoFactorStore } from "../../ports/TwoFactorStore.js"
import { UserRepository } from "../../ports/UserRepository.js"
import { GuardAttempt } from "./GuardAttempt.js"
import { CheckSecondFactor } from "./SecondFactor.js"

/** What a person gives again before a change that cannot be undone. */
export interface IrreversibleProof {
  readonly password: Redacted.Redacted<string>
  /** A current TOTP code or an unused backup code: required when two-factor is on. */
  readonly code?: Redacted.Redacted<string> | undefined
}

/**
 * Before closing a team or deleting an account: the password again and, when the person has
 * two-factor on, a current code as well (a TOTP step used up, or a backup code spent), so a
 * session left open and a password seen over a shoulder are not enough together. Attempts count
 * against their own budget, as turning two-factor off does. Answers the person's stored record.
 */
export const ReauthenticateForIrreversible = Effect.fnUntraced(function* (
  session: Session,
  proof: IrreversibleProof,
  address: string | null
) {
  yield* GuardAttempt("irreversible_change", String(session.userId), address)
  const found = yield* (yield* UserRepository).get(session.userId)
  const check = yield* (yield* PasswordHasher).verify(
    Option.isSome(found) ? found.value.passwordHash : null,
    proof.password
  )
  if (Option.isNone(found) || !check.matches)
    return yield* new CredentialsRejected({ message: "The current password is wrong" })
  if ((yield* (yield* TwoFactorStore).status(session.userId)).enabled) {
    if (proof.code === undefined)
      return yield* new CredentialsRejected({
        message: "Two-factor authentication is on: give a current code from your app (or a backup code) too"
      })
    if (!(yield* CheckSecondFactor(session.userId, Redacted.value(proof.code))))
      return yield* new CredentialsRejected({ message: "The two-factor code is wrong" })
  }
  return found.value
})
