import { CredentialsRejected, isBackupCode, normalizeSecondFactor, SessionRequired } from "@poststack/domain"
import { Clock, Effect, Option, Redacted } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { TwoFactorStore } from "../../ports/TwoFactorStore.js"
import { UserRepository } from "../../ports/UserRepository.js"
import type { ClientContext } from "./ClientContext.js"
import { GuardAttempt } from "./GuardAttempt.js"
import { CheckSecondFactor } from "./SecondFactor.js"
import { NoticeNewDevice } from "./NoticeNewDevice.js"
import { StartSession } from "./StartSession.js"
import { auditPerson } from "./auditPerson.js"

/**
 * The second step of a sign-in with two-factor authentication on: the challenge the password
 * earned (five minutes, this person only) and a TOTP or backup code. A wrong code leaves the
 * challenge open for another try, within the two-factor budget per account and per address; the
 * right one ends it and opens the session.
 */
export const CompleteSignIn = Effect.fn("CompleteSignIn")(function* (
  challenge: Redacted.Redacted<string>,
  code: Redacted.Redacted<string>,
  client: ClientContext
) {
  const store = yield* TwoFactorStore
  const tokenHash = (yield* AccountTokens).hash(challenge)
  const now = new Date(yield* Clock.currentTimeMillis)
  const expired = new SessionRequired({
    message: "This sign-in has expired: sign in again with your password"
  })
  const userId = yield* store.findChallenge(tokenHash, now)
  if (Option.isNone(userId)) return yield* expired
  yield* GuardAttempt("two_factor_sign_in", userId.value, client.address)
  if (!(yield* CheckSecondFactor(userId.value, Redacted.value(code)))) {
    yield* auditPerson(userId.value, "account.sign_in_failed", "personal", {
      details: { method: "two_factor" },
      client
    })
    return yield* new CredentialsRejected({ message: "The code is wrong or expired" })
  }
  if (!(yield* store.endChallenge(tokenHash))) return yield* expired
  const found = yield* (yield* UserRepository).get(userId.value)
  if (Option.isNone(found)) return yield* expired
  const started = yield* StartSession(userId.value, client)
  const backup = isBackupCode(normalizeSecondFactor(Redacted.value(code)))
  if (backup)
    yield* auditPerson(userId.value, "account.backup_code_used", "personal", {
      client,
      memberOf: started.teams
    })
  yield* auditPerson(userId.value, "account.signed_in", "personal", {
    details: { method: "password", second_factor: backup ? "backup_code" : "totp" },
    client,
    memberOf: started.teams
  })
  yield* NoticeNewDevice(found.value.user, client)
  return { user: found.value.user, ...started }
})
