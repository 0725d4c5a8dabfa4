import { type DomainRef, expectedRecords, returnPathHost, DomainNotFound } from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import type { Principal } from "../Principal.js"
import { DkimKeyRepository } from "../../ports/DkimKeyRepository.js"
import { type DomainPatch, DomainRepository } from "../../ports/DomainRepository.js"
import { MailHostSettings } from "../../ports/MailHostSettings.js"
import { CheckDomainDns } from "./CheckDomainDns.js"
import { GetDomain } from "./GetDomain.js"
import { validateReturnPathLabel, validateTrackingHost } from "./validation.js"

export type DomainChanges = Omit<DomainPatch, "dnsRecords">

/**
 * Changes settings. Records that depend on them (return path, tracking host, inbound MX) are
 * regenerated and, when that adds records, DNS is checked at once so their statuses are current.
 */
export const UpdateDomain = Effect.fn("UpdateDomain")(function* (
  principal: Principal,
  ref: DomainRef,
  changes: DomainChanges
) {
  const current = yield* GetDomain(principal, ref)
  const patch: { -readonly [K in keyof DomainPatch]: DomainPatch[K] } = { ...changes }
  if (changes.returnPathLabel !== undefined)
    patch.returnPathLabel = yield* validateReturnPathLabel(changes.returnPathLabel)
  if (changes.trackingDomain !== undefined) {
    const bounce = returnPathHost({
      name: current.name,
      returnPathLabel: patch.returnPathLabel ?? current.returnPathLabel
    })
    patch.trackingDomain = yield* validateTrackingHost(changes.trackingDomain, current.name, bounce)
  }
  const keys = yield* Effect.flatMap(DkimKeyRepository, (dkim) => dkim.keys(current.id))
  const hosts = yield* MailHostSettings
  const now = new Date(yield* Clock.currentTimeMillis)
  patch.dnsRecords = expectedRecords({ ...current, ...patch }, keys, hosts, current.dnsRecords, now)
  const domains = yield* DomainRepository
  const updated = yield* domains.update(principal.teamId, current.id, patch)
  if (Option.isNone(updated)) return yield* new DomainNotFound()
  const added = patch.dnsRecords.some((r) => r.addedAt.getTime() === now.getTime())
  return added ? yield* CheckDomainDns(updated.value) : updated.value
})
