import {
  BACKUP_CODE_COUNT,
  CredentialsRejected,
  isTotpCode,
  normalizeSecondFactor,
  type Session,
  StateConflict
} from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { Digest } from "../../ports/Digest.js"
import { SecretBox } from "../../ports/SecretBox.js"
import { TotpVerifier } from "../../ports/TotpVerifier.js"
import { TwoFactorStore } from "../../ports/TwoFactorStore.js"
import { UserRepository } from "../../ports/UserRepository.js"
import { GuardAttempt } from "./GuardAttempt.js"
import { mails } from "./mails.js"
import { SendSystemMail } from "./SendSystemMail.js"
import { auditPerson } from "./auditPerson.js"

/**
 * Turns on the waiting TOTP factor once a code from the app proves the secret was scanned, and
 * hands out ten backup codes: shown this once, kept only as SHA-256 hashes. A security notice is
 * mailed. Attempts count against the two-factor budget like a sign-in's second step.
 */
export const ConfirmTwoFactor = Effect.fn("ConfirmTwoFactor")(function* (
  session: Session,
  typed: string,
  address: string | null
) {
  yield* GuardAttempt("two_factor_confirm", session.userId, address)
  const store = yield* TwoFactorStore
  const factor = yield* store.factor(session.userId)
  if (Option.isNone(factor) || factor.value.enabled)
    return yield* new StateConflict({ message: "No two-factor enrolment is waiting: start one first" })
  const code = normalizeSecondFactor(typed)
  const now = yield* Clock.currentTimeMillis
  const secret = yield* (yield* SecretBox).open(factor.value.sealedSecret)
  const step = isTotpCode(code) ? (yield* TotpVerifier).stepOf(secret, code, now) : Option.none()
  if (Option.isNone(step)) return yield* new CredentialsRejected({ message: "The code is wrong or expired" })
  const codes = yield* (yield* TotpVerifier).backupCodes(BACKUP_CODE_COUNT)
  const digest = yield* Digest
  const enabled = yield* store.enable(session.userId, step.value, codes.map(digest.sha256), new Date(now))
  if (!enabled)
    return yield* new StateConflict({ message: "No two-factor enrolment is waiting: start one first" })
  yield* auditPerson(session.userId, "account.two_factor_enabled", "personal")
  const found = yield* (yield* UserRepository).get(session.userId)
  if (Option.isSome(found)) {
    const user = found.value.user
    yield* SendSystemMail(
      mails.twoFactorNotice(
        user.email,
        "Two-factor authentication was turned on",
        new Date(now),
        user.timeZone
      )
    )
  }
  return { backupCodes: codes }
})
