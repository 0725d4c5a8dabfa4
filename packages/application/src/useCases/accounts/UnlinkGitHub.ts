import { ResourceNotFound, type Session, StateConflict } from "@poststack/domain"
import { Effect, Option } from "effect"
import { IdentityRepository } from "../../ports/IdentityRepository.js"
import { UserRepository } from "../../ports/UserRepository.js"
import { auditPerson } from "./auditPerson.js"

/**
 * Unlinks GitHub from the signed-in person, unless it is their last way to sign in (no password
 * and no other provider): then they set a password first (the reset link does it).
 */
export const UnlinkGitHub = Effect.fn("UnlinkGitHub")(function* (session: Session) {
  const identities = yield* IdentityRepository
  const linked = yield* identities.forUser(session.userId)
  if (!linked.some((i) => i.provider === "github"))
    return yield* new ResourceNotFound({ message: "No GitHub account is linked" })
  const found = yield* (yield* UserRepository).get(session.userId)
  const hasPassword = Option.isSome(found) && found.value.passwordHash !== null
  if (!hasPassword && linked.length <= 1)
    return yield* new StateConflict({
      message: "GitHub is your only way to sign in: set a password first (POST /auth/password-reset)"
    })
  yield* identities.unlink(session.userId, "github")
  yield* auditPerson(session.userId, "account.github_unlinked", "personal")
})
