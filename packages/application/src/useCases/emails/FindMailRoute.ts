import { type DeliveryRoute, deliveryRoute, domainOf, mailHostNames, routeFromMx } from "@poststack/domain"
import { Effect } from "effect"
import { DnsResolver } from "../../ports/DnsResolver.js"

/**
 * Where mail to `recipient` goes, read as RFC 5321 section 5 routes it: the domain's MX hosts
 * by preference (or the domain itself when it has no MX), each with its A and AAAA addresses,
 * judged by the domain's `deliveryRoute`. Asks DNS every time: a burst of mail to one domain is
 * served by a caching `DnsResolver` (see `CachingDnsResolver`), not by this step. Untraced, as it
 * runs for every message: the resolver carries its own spans.
 */
export const FindMailRoute = Effect.fnUntraced(function* (recipient: string, allowPrivate: boolean) {
  const dns = yield* DnsResolver
  const domain = domainOf(recipient).toLowerCase()
  const mx = yield* dns.mx(domain)
  const names = mx._tag === "Answered" ? mailHostNames(routeFromMx(domain, mx.records)) : []
  const answers = []
  for (const name of names) {
    answers.push({ name, a: yield* dns.lookup(name, "A"), aaaa: yield* dns.lookup(name, "AAAA") })
  }
  return deliveryRoute(domain, mx, answers, allowPrivate) satisfies DeliveryRoute
})
