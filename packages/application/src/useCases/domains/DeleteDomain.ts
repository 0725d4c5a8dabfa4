import { type DomainRef, DomainNotFound } from "@poststack/domain"
import { Effect } from "effect"
import type { Principal } from "../Principal.js"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { GetDomain } from "./GetDomain.js"
import { recordAudit } from "../audit/RecordAudit.js"

/** Deletes the domain: sending from it stops and keys scoped to it are revoked; its mail history stays. */
export const DeleteDomain = Effect.fn("DeleteDomain")(function* (principal: Principal, ref: DomainRef) {
  const current = yield* GetDomain(principal, ref)
  const domains = yield* DomainRepository
  if (!(yield* domains.delete(principal.teamId, current.id))) return yield* new DomainNotFound()
  yield* recordAudit(
    principal,
    "domain.removed",
    { type: "domain", id: current.publicId },
    { name: current.name }
  )
})
