import { Effect } from "effect"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { authorize, inScope, type Principal } from "../Principal.js"

/** The team's domains, or only its own for a domain-scoped key. */
export const ListDomains = Effect.fn("ListDomains")(function* (principal: Principal) {
  const scope = yield* authorize(principal, "domains")
  const domains = yield* DomainRepository
  const all = yield* domains.list(scope.teamId)
  return all.filter((domain) => inScope(scope, domain.id))
})
