import type { TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { DomainRepository } from "../../ports/DomainRepository.js"

export const ListDomains = Effect.fn("ListDomains")(function* (teamId: TeamId) {
  const domains = yield* DomainRepository
  return yield* domains.list(teamId)
})
