import { type Session, StateConflict } from "@poststack/domain"
import { Effect, Option } from "effect"
import { SecretBox } from "../../ports/SecretBox.js"
import { TotpVerifier } from "../../ports/TotpVerifier.js"
import { TwoFactorStore } from "../../ports/TwoFactorStore.js"
import { UserRepository } from "../../ports/UserRepository.js"

/**
 * Starts TOTP enrolment: a new secret, sealed at rest, waiting for a code from the app to prove it
 * was scanned. Starting again before confirming replaces the waiting secret; with the factor
 * already on, it is refused (disable it first).
 */
export const StartTwoFactorEnrolment = Effect.fn("StartTwoFactorEnrolment")(function* (session: Session) {
  const found = yield* (yield* UserRepository).get(session.userId)
  const account = Option.match(found, { onNone: () => session.userId, onSome: (u) => u.user.email })
  const enrolment = yield* (yield* TotpVerifier).enrol(account)
  const sealed = yield* (yield* SecretBox).seal(enrolment.secret)
  if (!(yield* (yield* TwoFactorStore).begin(session.userId, sealed)))
    return yield* new StateConflict({ message: "Two-factor authentication is already on: disable it first" })
  return enrolment
})
