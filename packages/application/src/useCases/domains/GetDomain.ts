import { type DomainRef, ResourceNotFound, type TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { DomainRepository } from "../../ports/DomainRepository.js"

export const GetDomain = Effect.fn("GetDomain")(function* (teamId: TeamId, ref: DomainRef) {
  const domains = yield* DomainRepository
  const found = yield* domains.get(teamId, ref)
  if (Option.isNone(found)) return yield* new ResourceNotFound({ message: "Domain not found" })
  return found.value
})
