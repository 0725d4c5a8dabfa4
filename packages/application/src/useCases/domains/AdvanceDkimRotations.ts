import { dkimRecordName, RETIREMENT_WINDOW_MS, recordServed } from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { DkimKeyRepository } from "../../ports/DkimKeyRepository.js"
import { DnsResolver } from "../../ports/DnsResolver.js"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { refreshRecords } from "./refreshRecords.js"

/**
 * The periodic task: activates staged keys whose propagation window has passed, if DNS still
 * serves their record, and retires keys whose retirement window has passed. Returns how many
 * keys were activated.
 */
export const AdvanceDkimRotations = Effect.fn("AdvanceDkimRotations")(function* () {
  const dkim = yield* DkimKeyRepository
  const dns = yield* DnsResolver
  const domains = yield* DomainRepository
  const now = new Date(yield* Clock.currentTimeMillis)
  let activated = 0
  for (const due of yield* dkim.dueForActivation(now)) {
    const answer = yield* dns.lookup(dkimRecordName(due.key.selector, due.domainName), "TXT")
    if (answer._tag !== "Answered") continue
    if (
      !recordServed({ type: "TXT", purpose: "dkim_rotation", value: `p=${due.key.publicKey}` }, answer.values)
    )
      continue
    if (
      !(yield* dkim.activatePending(due.domainId, due.key.id, new Date(now.getTime() + RETIREMENT_WINDOW_MS)))
    )
      continue
    activated++
    const domain = yield* domains.get(due.teamId, { _tag: "Numeric", id: due.domainId })
    if (Option.isSome(domain)) yield* refreshRecords(domain.value)
  }
  for (const retired of yield* dkim.retireExpired(now)) {
    const domain = yield* domains.get(retired.teamId, { _tag: "Numeric", id: retired.domainId })
    if (Option.isSome(domain)) yield* refreshRecords(domain.value)
  }
  return activated
})
