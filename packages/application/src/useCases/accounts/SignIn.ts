import { canonicalEmail, CredentialsRejected, PermissionDenied } from "@poststack/domain"
import { Effect, Option, type Redacted } from "effect"
import { PasswordHasher } from "../../ports/PasswordHasher.js"
import { UserRepository } from "../../ports/UserRepository.js"
import type { ClientContext } from "./ClientContext.js"
import { GuardAttempt } from "./GuardAttempt.js"
import { OpenSignIn } from "./OpenSignIn.js"
import { auditPerson } from "./auditPerson.js"

const rejected = new CredentialsRejected({ message: "Wrong email or password" })

/**
 * Checks an email and password and opens a session. Unknown address, wrong password and an
 * account without a password all get one answer, after the same Argon2 work. Attempts are counted
 * per account and per client address before anything is checked. A hash made with weaker
 * parameters than today's is replaced now that the password is known. An account whose address
 * is not verified yet is told so, but only once the password has proved who is asking. With
 * two-factor authentication on, no session is opened yet: the answer is a short-lived challenge,
 * bound to this person, that `CompleteSignIn` trades with a code for the session.
 */
export const SignIn = Effect.fn("SignIn")(function* (
  input: { readonly email: string; readonly password: Redacted.Redacted<string> },
  client: ClientContext
) {
  const email = canonicalEmail(input.email)
  yield* GuardAttempt("sign_in", email, client.address)
  const found = yield* (yield* UserRepository).findByEmail(email)
  const hasher = yield* PasswordHasher
  const stored = Option.isSome(found) ? found.value.passwordHash : null
  const check = yield* hasher.verify(stored, input.password)
  if (Option.isNone(found) || !check.matches) {
    // The same one write whether the address is known or not; the typed address is not kept.
    yield* auditPerson(
      Option.isSome(found) ? found.value.user.id : null,
      "account.sign_in_failed",
      "personal",
      {
        details: { method: "password" },
        client
      }
    )
    return yield* rejected
  }
  const user = found.value.user
  if (check.outdated)
    yield* (yield* UserRepository).setPasswordHash(user.id, yield* hasher.hash(input.password))
  if (user.emailVerifiedAt === null)
    return yield* new PermissionDenied({
      message:
        "Confirm your email address first: follow the link we mailed you (POST /auth/verify-email/resend sends a new one)"
    })
  return yield* OpenSignIn(user, client, "password")
})
