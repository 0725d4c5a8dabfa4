import type { TeamId, UserId } from "@poststack/domain"
import { Effect } from "effect"
import { MembershipRepository } from "../../ports/MembershipRepository.js"
import { memberOf } from "./memberOf.js"

/** The team's members with their roles; any member may read it. */
export const ListMembers = Effect.fn("ListMembers")(function* (actor: UserId, teamId: TeamId) {
  yield* memberOf(teamId, actor)
  return yield* (yield* MembershipRepository).listMembers(teamId)
})
