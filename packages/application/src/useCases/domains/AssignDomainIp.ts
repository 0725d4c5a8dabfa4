import { type DomainRef, IpAddressNotFound } from "@poststack/domain"
import { Effect } from "effect"
import type { Principal } from "../Principal.js"
import { IpAddressRepository } from "../../ports/IpAddressRepository.js"
import { GetDomain } from "./GetDomain.js"

/** Pins the domain's outbound mail to one of the team's (or the shared) dedicated addresses. */
export const AssignDomainIp = Effect.fn("AssignDomainIp")(function* (
  principal: Principal,
  ref: DomainRef,
  ipAddressId: number
) {
  const domain = yield* GetDomain(principal, ref)
  const ips = yield* IpAddressRepository
  if (!(yield* ips.assign(principal.teamId, domain.id, ipAddressId))) {
    return yield* new IpAddressNotFound()
  }
})
