import {
  dkimRecordName,
  type DomainRef,
  PROPAGATION_WINDOW_MS,
  RETIREMENT_WINDOW_MS,
  recordServed,
  DkimRecordNotPublished,
  DkimRotationNotStarted
} from "@poststack/domain"
import { Clock, Effect } from "effect"
import type { Principal } from "../Principal.js"
import { DkimKeyRepository } from "../../ports/DkimKeyRepository.js"
import { DnsResolver } from "../../ports/DnsResolver.js"
import { DnsUnavailable } from "../../ports/DnsUnavailable.js"
import { GetDomain } from "./GetDomain.js"
import { refreshRecords } from "./refreshRecords.js"

/**
 * Switches signing to the staged key, once its record is served: at once with `force`, else
 * after the propagation window (the worker completes it then).
 */
export const ActivateDkimRotation = Effect.fn("ActivateDkimRotation")(function* (
  principal: Principal,
  ref: DomainRef,
  force: boolean
) {
  const domain = yield* GetDomain(principal, ref)
  const dkim = yield* DkimKeyRepository
  const pending = (yield* dkim.keys(domain.id)).find((k) => k.state === "pending")
  if (pending === undefined) return yield* new DkimRotationNotStarted({ step: "activate" })
  const name = dkimRecordName(pending.selector, domain.name)
  const answer = yield* Effect.flatMap(DnsResolver, (dns) => dns.lookup(name, "TXT"))
  if (answer._tag === "Unavailable")
    return yield* new DnsUnavailable({ message: `DNS could not be read for ${name}` })
  if (
    !recordServed({ type: "TXT", purpose: "dkim_rotation", value: `p=${pending.publicKey}` }, answer.values)
  ) {
    return yield* new DkimRecordNotPublished({ name })
  }
  const now = new Date(yield* Clock.currentTimeMillis)
  const activatesAfter = pending.activatesAfter ?? new Date(now.getTime() + PROPAGATION_WINDOW_MS)
  if (pending.publishedAt === null) yield* dkim.markPublished(pending.id, now, activatesAfter)
  if (force || activatesAfter.getTime() <= now.getTime()) {
    // Activates this very key only: a rotation cancelled and restarted meanwhile is left alone.
    yield* dkim.activatePending(domain.id, pending.id, new Date(now.getTime() + RETIREMENT_WINDOW_MS))
  }
  return yield* refreshRecords(domain)
})
