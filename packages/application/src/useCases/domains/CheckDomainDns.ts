import {
  checkRecords,
  type DnsAnswer,
  type DnsRecord,
  type Domain,
  expectedRecords,
  nextCheckDelayMs,
  nextDomainStatus,
  PROPAGATION_WINDOW_MS
} from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { DkimKeyRepository } from "../../ports/DkimKeyRepository.js"
import { DnsResolver } from "../../ports/DnsResolver.js"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { MailHostSettings } from "../../ports/MailHostSettings.js"
import { PublicSuffixList } from "../../ports/PublicSuffixList.js"

const lookupKey = (r: Pick<DnsRecord, "name" | "type">) => `${r.type} ${r.name}`

/**
 * Looks up every record of the domain, moves each record and the domain through their statuses,
 * notes when a staged DKIM key's record appears, and saves the outcome with its events, unless
 * the domain changed meanwhile (then the fresher state wins and nothing is recorded twice).
 */
export const CheckDomainDns = Effect.fn("CheckDomainDns")(function* (domain: Domain) {
  const dkim = yield* DkimKeyRepository
  const keys = yield* dkim.keys(domain.id)
  const hosts = yield* MailHostSettings
  const now = new Date(yield* Clock.currentTimeMillis)
  const records = expectedRecords(domain, keys, hosts, domain.dnsRecords, now)

  const dns = yield* DnsResolver
  const psl = yield* PublicSuffixList
  const unique = [...new Map(records.map((r) => [lookupKey(r), r])).values()]
  const answers = new Map<string, DnsAnswer>(
    yield* Effect.forEach(
      unique,
      (r) =>
        Effect.gen(function* () {
          const answer = yield* dns.lookup(r.name, r.type === "SRV" ? "TXT" : r.type)
          // Receivers fall back to the organisational domain's DMARC policy when a subdomain has none.
          const organizational = psl.organizationalDomain(domain.name)
          if (
            r.purpose === "dmarc" &&
            answer._tag === "Answered" &&
            answer.values.length === 0 &&
            organizational !== domain.name
          ) {
            return [lookupKey(r), yield* dns.lookup(`_dmarc.${organizational}`, "TXT")] as const
          }
          return [lookupKey(r), answer] as const
        }),
      { concurrency: 4 }
    )
  )
  const check = checkRecords(
    records,
    (r) => answers.get(lookupKey(r)) ?? { _tag: "Unavailable", reason: "not asked" },
    now
  )

  const pending = keys.find((k) => k.state === "pending")
  const pendingServed = check.records.some(
    (r) =>
      r.purpose === "dkim_rotation" &&
      r.status === "verified" &&
      pending !== undefined &&
      r.value.endsWith(pending.publicKey)
  )
  if (pending !== undefined && pending.publishedAt === null && pendingServed) {
    yield* dkim.markPublished(pending.id, now, new Date(now.getTime() + PROPAGATION_WINDOW_MS))
  }

  const transition = nextDomainStatus(domain, check, now)
  const domains = yield* DomainRepository
  const saved = yield* domains.saveCheck(domain.id, domain.version, {
    records: check.records,
    status: transition.status,
    verifiedAt: transition.verifiedAt,
    checkedAt: now,
    nextCheckAt: new Date(
      now.getTime() + nextCheckDelayMs(transition.status, now.getTime() - domain.createdAt.getTime())
    ),
    events:
      transition.event === null
        ? []
        : [
            {
              type: transition.event,
              data: {
                domain_id: domain.id,
                public_id: domain.publicId,
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
  if (Option.isSome(saved)) return saved.value
  // Changed or deleted meanwhile: report the state as it now stands.
  const current = yield* domains.get(domain.teamId, { _tag: "Numeric", id: domain.id })
  return Option.getOrElse(current, () => domain)
})
