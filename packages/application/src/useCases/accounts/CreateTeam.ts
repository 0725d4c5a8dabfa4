import type { UserId } from "@poststack/domain"
import { Effect } from "effect"
import { MembershipRepository } from "../../ports/MembershipRepository.js"
import { memberOf } from "./memberOf.js"
import { auditPerson } from "./auditPerson.js"

/** A new team, owned by the person creating it; returns their membership of it. */
export const CreateTeam = Effect.fn("CreateTeam")(function* (userId: UserId, name: string) {
  const team = yield* (yield* MembershipRepository).createTeam(name, userId)
  yield* auditPerson(userId, "team.created", team.id, { target: { type: "team", id: team.id } })
  return yield* memberOf(team.id, userId)
})
