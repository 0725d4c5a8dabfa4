import {
  ownerCount,
  PermissionDenied,
  type Role,
  roleChangeProblem,
  type TeamId,
  type UserId,
  ValidationFailed
} from "@poststack/domain"
import { Effect } from "effect"
import { MembershipRepository } from "../../ports/MembershipRepository.js"
import { memberOf } from "./memberOf.js"
import { auditPerson } from "./auditPerson.js"

/** Changes a member's role under the team's rules (see `roleChangeProblem`). */
export const ChangeRole = Effect.fn("ChangeRole")(function* (
  actor: UserId,
  teamId: TeamId,
  target: UserId,
  role: Role
) {
  const mine = yield* memberOf(teamId, actor)
  const theirs = yield* memberOf(teamId, target)
  const memberships = yield* MembershipRepository
  const owners = ownerCount(yield* memberships.listMembers(teamId))
  const problem = roleChangeProblem({ actor: mine.role, target: theirs.role, next: role, owners })
  if (problem !== undefined)
    return yield* problem.startsWith("A team must keep")
      ? new ValidationFailed({ message: problem })
      : new PermissionDenied({ message: problem })
  // The store re-checks the last owner in its own commit: two concurrent demotions cannot both pass.
  if (!(yield* memberships.setRole(teamId, target, role)))
    return yield* new ValidationFailed({
      message: "A team must keep an owner: make someone else an owner first"
    })
  yield* auditPerson(actor, "member.role_changed", teamId, {
    target: { type: "user", id: target },
    details: { from: theirs.role, to: role }
  })
  return yield* memberOf(teamId, target)
})
