import type { DomainRef, TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { IpAddressRepository } from "../../ports/IpAddressRepository.js"
import { GetDomain } from "./GetDomain.js"

export const UnassignDomainIp = Effect.fn("UnassignDomainIp")(function* (teamId: TeamId, ref: DomainRef) {
  const domain = yield* GetDomain(teamId, ref)
  yield* Effect.flatMap(IpAddressRepository, (ips) => ips.unassign(teamId, domain.id))
})
