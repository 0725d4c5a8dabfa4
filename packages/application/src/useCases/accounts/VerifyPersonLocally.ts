import { canonicalEmail, ResourceNotFound } from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { UserRepository } from "../../ports/UserRepository.js"

/**
 * The operator's way past the verification mail on an install that cannot send it yet (no
 * `POSTSTACK_SYSTEM_FROM`, no verified sender): marks a person's address verified, as the link
 * would have. Reached only from the command line, never over HTTP, and logged.
 */
export const VerifyPersonLocally = Effect.fn("VerifyPersonLocally")(function* (email: string) {
  const users = yield* UserRepository
  const found = yield* users.findByEmail(canonicalEmail(email))
  if (Option.isNone(found)) return yield* new ResourceNotFound({ message: `No person signed up as ${email}` })
  const person = found.value.user
  yield* users.markEmailVerified(person.id, new Date(yield* Clock.currentTimeMillis))
  yield* Effect.logWarning("address verified by the operator, without a mail").pipe(
    Effect.annotateLogs("user", person.id)
  )
  return person
})
