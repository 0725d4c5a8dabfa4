import { type Domain, expectedRecords, rotationOf } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { DkimKeyRepository } from "../../ports/DkimKeyRepository.js"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { MailHostSettings } from "../../ports/MailHostSettings.js"

/** Regenerates the domain's record list after its keys changed, and returns the rotation as it now stands. */
export const refreshRecords = Effect.fn("DkimRotation.refreshRecords")(function* (domain: Domain) {
  const keys = yield* Effect.flatMap(DkimKeyRepository, (dkim) => dkim.keys(domain.id))
  const hosts = yield* MailHostSettings
  const now = new Date(yield* Clock.currentTimeMillis)
  const domains = yield* DomainRepository
  yield* domains.update(domain.teamId, domain.id, {
    dnsRecords: expectedRecords(domain, keys, hosts, domain.dnsRecords, now)
  })
  return rotationOf(domain.id, domain.name, keys)
})
