import { type DomainRef, rotationOf, type TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { DkimKeyRepository } from "../../ports/DkimKeyRepository.js"
import { GetDomain } from "./GetDomain.js"

export const GetDkimRotation = Effect.fn("GetDkimRotation")(function* (teamId: TeamId, ref: DomainRef) {
  const domain = yield* GetDomain(teamId, ref)
  const keys = yield* Effect.flatMap(DkimKeyRepository, (dkim) => dkim.keys(domain.id))
  return rotationOf(domain.id, domain.name, keys)
})
