import { IpAddressRepository } from "@poststack/application"
import type { DomainId, TeamId } from "@poststack/domain"
import { Effect } from "effect"
import type { MemoryDomainState } from "./MemoryDomainRepository.js"

/** `IpAddressRepository` over the memory domains' state; the same contract suite runs against `PgIpAddressRepository`. */
export const make = (state: MemoryDomainState) => {
  const addresses = new Map<string, { readonly id: number; teamId: TeamId | null }>()
  const byId = (id: number) => [...addresses.values()].find((a) => a.id === id)

  return IpAddressRepository.of({
    ensure: (wanted) =>
      Effect.sync(() =>
        wanted.map(({ address, teamId }) => {
          const known = addresses.get(address)
          if (known !== undefined) {
            known.teamId = teamId
            return known.id
          }
          const id = state.nextId()
          addresses.set(address, { id, teamId })
          return id
        })
      ),
    assign: (teamId, domainId, ipAddressId) =>
      Effect.sync(() => {
        const stored = state.domains.get(domainId)
        const ip = byId(ipAddressId)
        if (stored === undefined || stored.deleted || stored.domain.teamId !== teamId) return false
        if (ip === undefined || (ip.teamId !== null && ip.teamId !== teamId)) return false
        state.domainIps.set(domainId, ipAddressId)
        return true
      }),
    unassign: (teamId, domainId: DomainId) =>
      Effect.sync(() => {
        if (state.domains.get(domainId)?.domain.teamId === teamId) state.domainIps.delete(domainId)
      })
  })
}
