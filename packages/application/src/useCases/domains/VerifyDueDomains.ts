import { Clock, Effect } from "effect"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { CheckDomainDns } from "./CheckDomainDns.js"

/** The periodic task: checks every domain whose next check is due; returns how many. */
export const VerifyDueDomains = Effect.fn("VerifyDueDomains")(function* (batch: number) {
  const domains = yield* DomainRepository
  const due = yield* domains.dueForCheck(new Date(yield* Clock.currentTimeMillis), batch)
  yield* Effect.forEach(due, (domain) => CheckDomainDns(domain), { concurrency: 4, discard: true })
  return due.length
})
