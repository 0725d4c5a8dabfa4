import type { UserId } from "@poststack/domain"
import { Effect } from "effect"
import { MembershipRepository } from "../../ports/MembershipRepository.js"

/** A new team, owned by the person creating it. */
export const CreateTeam = Effect.fn("CreateTeam")(function* (userId: UserId, name: string) {
  return yield* (yield* MembershipRepository).createTeam(name, userId)
})
