import type { DomainRef } from "@poststack/domain"
import { Effect } from "effect"
import type { Principal } from "../Principal.js"
import { IpAddressRepository } from "../../ports/IpAddressRepository.js"
import { GetDomain } from "./GetDomain.js"

export const UnassignDomainIp = Effect.fn("UnassignDomainIp")(function* (
  principal: Principal,
  ref: DomainRef
) {
  const domain = yield* GetDomain(principal, ref)
  yield* Effect.flatMap(IpAddressRepository, (ips) => ips.unassign(principal.teamId, domain.id))
})
