import { PermissionDenied, roleAllows, type TeamId, type UserId } from "@poststack/domain"
import { Effect } from "effect"
import { InvitationRepository } from "../../ports/InvitationRepository.js"
import { memberOf } from "./memberOf.js"

/** The team's invitation history; owners and admins only. */
export const ListInvitations = Effect.fn("ListInvitations")(function* (actor: UserId, teamId: TeamId) {
  const membership = yield* memberOf(teamId, actor)
  if (!roleAllows(membership.role, "manage_members"))
    return yield* new PermissionDenied({ message: "Only owners and admins can see invitations" })
  return yield* (yield* InvitationRepository).list(teamId)
})
