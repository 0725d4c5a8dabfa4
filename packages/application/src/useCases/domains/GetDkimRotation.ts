import { type DomainRef, rotationOf } from "@poststack/domain"
import { Effect } from "effect"
import type { Principal } from "../Principal.js"
import { DkimKeyRepository } from "../../ports/DkimKeyRepository.js"
import { GetDomain } from "./GetDomain.js"

export const GetDkimRotation = Effect.fn("GetDkimRotation")(function* (principal: Principal, ref: DomainRef) {
  const domain = yield* GetDomain(principal, ref)
  const keys = yield* Effect.flatMap(DkimKeyRepository, (dkim) => dkim.keys(domain.id))
  return rotationOf(domain.id, domain.name, keys)
})
