import { LinkInvalid, type UserId } from "@poststack/domain"
import { Clock, Effect, Option, type Redacted } from "effect"
import { AccountTokens } from "../../ports/AccountTokens.js"
import { InvitationRepository } from "../../ports/InvitationRepository.js"
import { memberOf } from "./memberOf.js"
import { auditPerson } from "./auditPerson.js"

/**
 * Joins the team an invitation link names, as the signed-in person, with the invitation's role.
 * The link is the proof: it was mailed to the invited address, so the person may sign in with
 * another one. It works once and before it expires.
 */
export const AcceptInvitation = Effect.fn("AcceptInvitation")(function* (
  userId: UserId,
  token: Redacted.Redacted<string>
) {
  const now = new Date(yield* Clock.currentTimeMillis)
  const accepted = yield* (yield* InvitationRepository).accept(
    (yield* AccountTokens).hash(token),
    userId,
    now
  )
  if (Option.isNone(accepted))
    return yield* new LinkInvalid({ message: "This invitation is invalid, used, revoked or expired" })
  const joined = yield* memberOf(accepted.value.teamId, userId)
  yield* auditPerson(userId, "member.joined", accepted.value.teamId, { details: { role: joined.role } })
  return joined
})
