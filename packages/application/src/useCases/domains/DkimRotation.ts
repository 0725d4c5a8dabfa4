import {
  dkimRecordName,
  type Domain,
  type DomainRef,
  expectedRecords,
  nextSelector,
  PROPAGATION_WINDOW_MS,
  RETIREMENT_WINDOW_MS,
  recordServed,
  rotationOf,
  StateConflict,
  type TeamId
} from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { DkimKeyGenerator } from "../../ports/DkimKeyGenerator.js"
import { DkimKeyRepository } from "../../ports/DkimKeyRepository.js"
import { DnsResolver } from "../../ports/DnsResolver.js"
import { DnsUnavailable } from "../../ports/DnsUnavailable.js"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { MailHostSettings } from "../../ports/MailHostSettings.js"
import { SecretBox } from "../../ports/SecretBox.js"
import { GetDomain } from "./ManageDomains.js"

/** Regenerates the domain's record list after its keys changed, and returns the rotation as it now stands. */
const refresh = Effect.fn("DkimRotation.refresh")(function* (domain: Domain) {
  const dkim = yield* DkimKeyRepository
  const keys = yield* dkim.keys(domain.id)
  const hosts = yield* MailHostSettings
  const domains = yield* DomainRepository
  yield* domains.update(domain.teamId, domain.id, {
    dnsRecords: expectedRecords(domain, keys, hosts, domain.dnsRecords)
  })
  return rotationOf(domain.id, domain.name, keys)
})

export const GetDkimRotation = Effect.fn("GetDkimRotation")(function* (teamId: TeamId, ref: DomainRef) {
  const domain = yield* GetDomain(teamId, ref)
  const keys = yield* Effect.flatMap(DkimKeyRepository, (dkim) => dkim.keys(domain.id))
  return rotationOf(domain.id, domain.name, keys)
})

/** Stages a new key under a new selector; the current key keeps signing until the new record is in DNS. */
export const StartDkimRotation = Effect.fn("StartDkimRotation")(function* (teamId: TeamId, ref: DomainRef) {
  const domain = yield* GetDomain(teamId, ref)
  const dkim = yield* DkimKeyRepository
  const generated = yield* Effect.flatMap(DkimKeyGenerator, (g) => g.generate)
  const sealedPrivateKey = yield* Effect.flatMap(SecretBox, (box) => box.seal(generated.privateKeyPem))
  const selector = nextSelector(yield* dkim.selectors(domain.id))
  const added = yield* dkim.addPending(domain.id, {
    selector,
    publicKey: generated.publicKey,
    sealedPrivateKey,
    state: "pending"
  })
  if (Option.isNone(added))
    return yield* new StateConflict({ message: "A DKIM rotation is already under way" })
  return yield* refresh(domain)
})

/**
 * Switches signing to the staged key, once its record is served: at once with `force`, else
 * after the propagation window (the worker completes it then).
 */
export const ActivateDkimRotation = Effect.fn("ActivateDkimRotation")(function* (
  teamId: TeamId,
  ref: DomainRef,
  force: boolean
) {
  const domain = yield* GetDomain(teamId, ref)
  const dkim = yield* DkimKeyRepository
  const pending = (yield* dkim.keys(domain.id)).find((k) => k.state === "pending")
  if (pending === undefined) return yield* new StateConflict({ message: "No DKIM rotation to activate" })
  const name = dkimRecordName(pending.selector, domain.name)
  const answer = yield* Effect.flatMap(DnsResolver, (dns) => dns.lookup(name, "TXT"))
  if (answer._tag === "Unavailable")
    return yield* new DnsUnavailable({ message: `DNS could not be read for ${name}` })
  if (
    !recordServed({ type: "TXT", purpose: "dkim_rotation", value: `p=${pending.publicKey}` }, answer.values)
  ) {
    return yield* new StateConflict({
      message: `The new DKIM record ${name} is not published yet, or does not match`
    })
  }
  const now = new Date(yield* Clock.currentTimeMillis)
  const activatesAfter = pending.activatesAfter ?? new Date(now.getTime() + PROPAGATION_WINDOW_MS)
  if (pending.publishedAt === null) yield* dkim.markPublished(pending.id, now, activatesAfter)
  if (force || activatesAfter.getTime() <= now.getTime()) {
    yield* dkim.activatePending(domain.id, new Date(now.getTime() + RETIREMENT_WINDOW_MS))
  }
  return yield* refresh(domain)
})

export const CancelDkimRotation = Effect.fn("CancelDkimRotation")(function* (teamId: TeamId, ref: DomainRef) {
  const domain = yield* GetDomain(teamId, ref)
  const dkim = yield* DkimKeyRepository
  if (!(yield* dkim.cancelPending(domain.id)))
    return yield* new StateConflict({ message: "No DKIM rotation to cancel" })
  return yield* refresh(domain)
})

/** The periodic task: activates staged keys whose window has passed, and retires old keys. */
export const AdvanceDkimRotations = Effect.fn("AdvanceDkimRotations")(function* () {
  const dkim = yield* DkimKeyRepository
  const domains = yield* DomainRepository
  const now = new Date(yield* Clock.currentTimeMillis)
  const due = yield* dkim.dueForActivation(now)
  for (const { teamId, domainId } of due) {
    yield* dkim.activatePending(domainId, new Date(now.getTime() + RETIREMENT_WINDOW_MS))
    const domain = yield* domains.get(teamId, { _tag: "Numeric", id: domainId })
    if (Option.isSome(domain)) yield* refresh(domain.value)
  }
  yield* dkim.retireExpired(now)
  return due.length
})
