import { type DomainRef, ResourceNotFound, type TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { GetDomain } from "./GetDomain.js"

/** Deletes the domain: sending from it stops and keys scoped to it are revoked; its mail history stays. */
export const DeleteDomain = Effect.fn("DeleteDomain")(function* (teamId: TeamId, ref: DomainRef) {
  const current = yield* GetDomain(teamId, ref)
  const domains = yield* DomainRepository
  if (!(yield* domains.delete(teamId, current.id)))
    return yield* new ResourceNotFound({ message: "Domain not found" })
})
