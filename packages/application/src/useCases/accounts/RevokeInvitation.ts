import {
  type InvitationId,
  PermissionDenied,
  ResourceNotFound,
  roleAllows,
  type TeamId,
  type UserId
} from "@poststack/domain"
import { Clock, Effect } from "effect"
import { InvitationRepository } from "../../ports/InvitationRepository.js"
import { memberOf } from "./memberOf.js"
import { auditPerson } from "./auditPerson.js"

/** Withdraws a pending invitation, so its link stops working; owners and admins only. */
export const RevokeInvitation = Effect.fn("RevokeInvitation")(function* (
  actor: UserId,
  teamId: TeamId,
  id: InvitationId
) {
  const membership = yield* memberOf(teamId, actor)
  if (!roleAllows(membership.role, "manage_members"))
    return yield* new PermissionDenied({ message: "Only owners and admins can revoke invitations" })
  const now = new Date(yield* Clock.currentTimeMillis)
  if (!(yield* (yield* InvitationRepository).revoke(teamId, id, now)))
    return yield* new ResourceNotFound({ message: "No pending invitation with this id" })
  yield* auditPerson(actor, "member.invitation_revoked", teamId, { target: { type: "invitation", id } })
})
