import { type DomainRef, ResourceNotFound, type TeamId } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { DmarcReportRepository } from "../../ports/DmarcReportRepository.js"
import { IpAddressRepository } from "../../ports/IpAddressRepository.js"
import { GetDomain } from "./ManageDomains.js"

const DAY = 24 * 60 * 60 * 1000

const since = (days: number) => Effect.map(Clock.currentTimeMillis, (now) => new Date(now - days * DAY))

export const ListDmarcReports = Effect.fn("ListDmarcReports")(function* (
  teamId: TeamId,
  ref: DomainRef,
  page: number,
  perPage: number
) {
  const domain = yield* GetDomain(teamId, ref)
  const reports = yield* DmarcReportRepository
  return yield* reports.page(domain.id, page, perPage)
})

export const GetDmarcStats = Effect.fn("GetDmarcStats")(function* (
  teamId: TeamId,
  ref: DomainRef,
  days: number
) {
  const domain = yield* GetDomain(teamId, ref)
  const reports = yield* DmarcReportRepository
  return yield* reports.stats(domain.id, yield* since(days))
})

export const GetDmarcSources = Effect.fn("GetDmarcSources")(function* (
  teamId: TeamId,
  ref: DomainRef,
  days: number
) {
  const domain = yield* GetDomain(teamId, ref)
  const reports = yield* DmarcReportRepository
  return yield* reports.sources(domain.id, yield* since(days))
})

/** Pins the domain's outbound mail to one of the deployment's dedicated addresses. */
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

export const UnassignDomainIp = Effect.fn("UnassignDomainIp")(function* (teamId: TeamId, ref: DomainRef) {
  const domain = yield* GetDomain(teamId, ref)
  const ips = yield* IpAddressRepository
  yield* ips.unassign(teamId, domain.id)
})

/** Records the deployment's dedicated outbound addresses (from configuration) so domains can be pinned to them. */
export const RegisterDedicatedIps = Effect.fn("RegisterDedicatedIps")(function* (
  addresses: ReadonlyArray<string>
) {
  if (addresses.length === 0) return []
  const ips = yield* IpAddressRepository
  return yield* ips.ensure(addresses)
})
