import { type DomainRef, DomainNotFound } from "@poststack/domain"
import { Effect, Option } from "effect"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { authorize, inScope, type Principal } from "../Principal.js"

/**
 * One domain of the team, inside the principal's scope: every use case on a named domain starts
 * here, so a key scoped to another domain finds nothing, as another team's key does.
 */
export const GetDomain = Effect.fn("GetDomain")(function* (principal: Principal, ref: DomainRef) {
  const scope = yield* authorize(principal, "domains")
  const domains = yield* DomainRepository
  const found = yield* domains.get(scope.teamId, ref)
  if (Option.isNone(found) || !inScope(scope, found.value.id)) return yield* new DomainNotFound()
  return found.value
})
