import { ResourceNotFound, type TeamId, type UserId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { MembershipRepository } from "../../ports/MembershipRepository.js"

/** The person's membership of the team; a team they are not in is not found, as if absent. */
export const memberOf = (teamId: TeamId, userId: UserId) =>
  Effect.flatMap(MembershipRepository, (memberships) => memberships.find(teamId, userId)).pipe(
    Effect.flatMap((found) =>
      Option.isSome(found)
        ? Effect.succeed(found.value)
        : Effect.fail(new ResourceNotFound({ message: "Team not found" }))
    )
  )
