import {
  type DomainId,
  type DomainRef,
  expectedRecords,
  ResourceNotFound,
  type TeamId
} from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { DkimKeyRepository } from "../../ports/DkimKeyRepository.js"
import { type DomainPatch, DomainRepository } from "../../ports/DomainRepository.js"
import { MailHostSettings } from "../../ports/MailHostSettings.js"
import { CheckDomainDns } from "./CheckDomainDns.js"
import { validateHostUnder, validateReturnPathLabel } from "./validation.js"

const notFound = () => new ResourceNotFound({ message: "Domain not found" })

export const ListDomains = Effect.fn("ListDomains")(function* (teamId: TeamId) {
  const domains = yield* DomainRepository
  return yield* domains.list(teamId)
})

export const GetDomain = Effect.fn("GetDomain")(function* (teamId: TeamId, ref: DomainRef) {
  const domains = yield* DomainRepository
  const found = yield* domains.get(teamId, ref)
  if (Option.isNone(found)) return yield* notFound()
  return found.value
})

export type DomainChanges = Omit<DomainPatch, "dnsRecords">

/** Changes settings; records that depend on them (return path, tracking host, inbound MX) are regenerated. */
export const UpdateDomain = Effect.fn("UpdateDomain")(function* (
  teamId: TeamId,
  ref: DomainRef,
  changes: DomainChanges
) {
  const current = yield* GetDomain(teamId, ref)
  const patch: { -readonly [K in keyof DomainPatch]: DomainPatch[K] } = { ...changes }
  if (changes.returnPathLabel !== undefined)
    patch.returnPathLabel = yield* validateReturnPathLabel(changes.returnPathLabel)
  if (changes.trackingDomain !== undefined) {
    patch.trackingDomain = yield* validateHostUnder(changes.trackingDomain, current.name, "tracking_domain")
  }
  const keys = yield* Effect.flatMap(DkimKeyRepository, (dkim) => dkim.keys(current.id))
  const hosts = yield* MailHostSettings
  patch.dnsRecords = expectedRecords({ ...current, ...patch }, keys, hosts, current.dnsRecords)
  const domains = yield* DomainRepository
  const updated = yield* domains.update(teamId, current.id, patch)
  if (Option.isNone(updated)) return yield* notFound()
  return updated.value
})

/** Deletes the domain: sending from it stops and keys scoped to it are revoked; its mail history stays. */
export const DeleteDomain = Effect.fn("DeleteDomain")(function* (teamId: TeamId, ref: DomainRef) {
  const current = yield* GetDomain(teamId, ref)
  const domains = yield* DomainRepository
  if (!(yield* domains.delete(teamId, current.id as DomainId))) return yield* notFound()
})

/** Checks the domain's DNS now and returns it with the new statuses. */
export const VerifyDomain = Effect.fn("VerifyDomain")(function* (teamId: TeamId, ref: DomainRef) {
  return yield* CheckDomainDns(yield* GetDomain(teamId, ref))
})

/** The periodic task: checks every domain whose next check is due. */
export const VerifyDueDomains = Effect.fn("VerifyDueDomains")(function* (batch: number) {
  const domains = yield* DomainRepository
  const now = new Date(yield* Clock.currentTimeMillis)
  const due = yield* domains.dueForCheck(now, batch)
  yield* Effect.forEach(due, (domain) => CheckDomainDns(domain), { concurrency: 4, discard: true })
  return due.length
})
