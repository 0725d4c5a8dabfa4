import {
  ownerCount,
  PermissionDenied,
  removalProblem,
  type TeamId,
  type UserId,
  ValidationFailed
} from "@poststack/domain"
import { Effect } from "effect"
import { MembershipRepository } from "../../ports/MembershipRepository.js"
import { memberOf } from "./memberOf.js"
import { auditPerson } from "./auditPerson.js"

/** Removes a member (or lets a member leave) under the team's rules (see `removalProblem`). */
export const RemoveMember = Effect.fn("RemoveMember")(function* (
  actor: UserId,
  teamId: TeamId,
  target: UserId
) {
  const mine = yield* memberOf(teamId, actor)
  const theirs = yield* memberOf(teamId, target)
  const memberships = yield* MembershipRepository
  const owners = ownerCount(yield* memberships.listMembers(teamId))
  const problem = removalProblem({ actor: mine.role, target: theirs.role, self: actor === target, owners })
  if (problem !== undefined)
    return yield* problem.startsWith("A team must keep")
      ? new ValidationFailed({ message: problem })
      : new PermissionDenied({ message: problem })
  if (!(yield* memberships.remove(teamId, target)))
    return yield* new ValidationFailed({
      message: "A team must keep an owner: make someone else an owner first"
    })
  yield* auditPerson(actor, "member.removed", teamId, {
    target: { type: "user", id: target },
    details: { role: theirs.role, self: actor === target }
  })
})
