import {
  checkRecords,
  type DnsAnswer,
  type DnsRecord,
  type Domain,
  expectedRecords,
  nextCheckDelayMs,
  nextDomainStatus,
  PROPAGATION_WINDOW_MS,
  VERIFICATION_GRACE_MS
} from "@poststack/domain"
import { Clock, Effect } from "effect"
import { DkimKeyRepository } from "../../ports/DkimKeyRepository.js"
import { DnsResolver } from "../../ports/DnsResolver.js"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { MailHostSettings } from "../../ports/MailHostSettings.js"

const lookupKey = (r: Pick<DnsRecord, "name" | "type">) => `${r.type} ${r.name}`

/**
 * Looks up every record of the domain, moves each record and the domain through their statuses,
 * notes when a staged DKIM key's record appears, and saves the outcome with its events.
 */
export const CheckDomainDns = Effect.fn("CheckDomainDns")(function* (domain: Domain) {
  const dkim = yield* DkimKeyRepository
  const keys = yield* dkim.keys(domain.id)
  const hosts = yield* MailHostSettings
  const records = expectedRecords(domain, keys, hosts, domain.dnsRecords)

  const dns = yield* DnsResolver
  const names = [...new Map(records.map((r) => [lookupKey(r), r])).values()]
  const answers = new Map<string, DnsAnswer>(
    yield* Effect.forEach(
      names,
      (r) =>
        Effect.map(dns.lookup(r.name, r.type === "SRV" ? "TXT" : r.type), (a) => [lookupKey(r), a] as const),
      { concurrency: 4 }
    )
  )
  const now = new Date(yield* Clock.currentTimeMillis)
  const age = now.getTime() - domain.createdAt.getTime()
  const pastGrace = age > VERIFICATION_GRACE_MS
  const check = checkRecords(
    records,
    (r) => answers.get(lookupKey(r)) ?? { _tag: "Unavailable", reason: "not asked" },
    now,
    pastGrace
  )

  const pending = keys.find((k) => k.state === "pending")
  const pendingServed = check.records.some((r) => r.purpose === "dkim_rotation" && r.status === "verified")
  if (pending !== undefined && pending.publishedAt === null && pendingServed) {
    yield* dkim.markPublished(pending.id, now, new Date(now.getTime() + PROPAGATION_WINDOW_MS))
  }

  const transition = nextDomainStatus(domain, check, now, pastGrace)
  const domains = yield* DomainRepository
  return yield* domains.saveCheck(domain.id, {
    records: check.records,
    status: transition.status,
    verifiedAt: transition.verifiedAt,
    checkedAt: now,
    nextCheckAt: new Date(now.getTime() + nextCheckDelayMs(transition.status, age)),
    events:
      transition.event === null
        ? []
        : [
            {
              type: transition.event,
              payload: {
                domainId: domain.id,
                publicId: domain.publicId,
                name: domain.name,
                status: transition.status,
                records: check.records.map((r) => ({
                  type: r.type,
                  name: r.name,
                  purpose: r.purpose,
                  status: r.status
                }))
              }
            }
          ]
  })
})
