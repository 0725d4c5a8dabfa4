import { type DomainRef, ResourceNotFound, type TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { IpAddressRepository } from "../../ports/IpAddressRepository.js"
import { GetDomain } from "./GetDomain.js"

/** Pins the domain's outbound mail to one of the team's (or the shared) dedicated addresses. */
export const AssignDomainIp = Effect.fn("AssignDomainIp")(function* (
  teamId: TeamId,
  ref: DomainRef,
  ipAddressId: number
) {
  const domain = yield* GetDomain(teamId, ref)
  const ips = yield* IpAddressRepository
  if (!(yield* ips.assign(teamId, domain.id, ipAddressId))) {
    return yield* new ResourceNotFound({ message: "IP address not found" })
  }
})
