import { canonicalEmail } from "@poststack/domain"
import { Effect, Option } from "effect"
import { UserRepository } from "../../ports/UserRepository.js"
import type { ClientContext } from "./ClientContext.js"
import { GuardAttempt } from "./GuardAttempt.js"
import { IssueVerification } from "./IssueVerification.js"

/** Mails a new verification link if the address has an unverified account; answers alike either way. */
export const ResendVerification = Effect.fn("ResendVerification")(function* (
  email: string,
  client: ClientContext
) {
  const address = canonicalEmail(email)
  yield* GuardAttempt("verification_mail", address, client.address)
  const found = yield* (yield* UserRepository).findByEmail(address)
  if (Option.isSome(found) && found.value.user.emailVerifiedAt === null)
    yield* IssueVerification(found.value.user.id, found.value.user.email)
})
