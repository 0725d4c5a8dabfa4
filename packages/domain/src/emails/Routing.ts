import type { DnsAnswer } from "../domains/Verification.js"
import type { DeliveryOutcome } from "./Delivery.js"
import { describeMxRefusal, type MxHostAddresses, screenMxHosts } from "./MxAddress.js"

/** An MX record as DNS serves it. */
export interface MxRecord {
  readonly exchange: string
  readonly priority: number
}

/** Where a recipient's domain takes mail, per RFC 5321 section 5 and RFC 7505 (null MX). */
export type MailRoute =
  | { readonly _tag: "Hosts"; readonly hosts: ReadonlyArray<string> }
  /** The domain says it takes no mail at all. */
  | { readonly _tag: "NullMx" }
  /** No MX: the domain itself is the host (implicit MX), if it has an address. */
  | { readonly _tag: "Implicit"; readonly host: string }

export const routeFromMx = (domain: string, records: ReadonlyArray<MxRecord>): MailRoute => {
  if (records.length === 0) return { _tag: "Implicit", host: domain }
  if (records.length === 1 && (records[0]?.exchange === "" || records[0]?.exchange === "."))
    return { _tag: "NullMx" }
  const hosts = [...records]
    .filter((r) => r.exchange !== "" && r.exchange !== ".")
    .sort((a, b) => a.priority - b.priority)
    .map((r) => r.exchange.toLowerCase().replace(/\.$/, ""))
  return { _tag: "Hosts", hosts: [...new Set(hosts)] }
}

/** The MX lookup as the resolver answers it. */
export type MxAnswer =
  | { readonly _tag: "Answered"; readonly records: ReadonlyArray<MxRecord> }
  | { readonly _tag: "Unavailable"; readonly reason: string }

/** The names whose addresses a route needs: the MX hosts by preference, or the domain itself. */
export const mailHostNames = (route: MailRoute): ReadonlyArray<string> =>
  route._tag === "Hosts" ? route.hosts : route._tag === "Implicit" ? [route.host] : []

/** What DNS said about one mail host's addresses. */
export interface MailHostAnswers {
  readonly name: string
  readonly a: DnsAnswer
  readonly aaaa: DnsAnswer
}

/** Where one delivery may go, or why it goes nowhere now (`Retry`) or ever (`Refused`, `Forbidden`). */
export type DeliveryRoute =
  | { readonly _tag: "Hosts"; readonly hosts: ReadonlyArray<MxHostAddresses> }
  /** DNS could not be asked: try again later. */
  | { readonly _tag: "Retry"; readonly reason: string }
  /** The domain takes no mail (null MX, or no host with an address): a hard bounce. */
  | { readonly _tag: "Refused"; readonly reason: string }
  /** Every host the domain names is at an address mail may not go to. */
  | { readonly _tag: "Forbidden"; readonly reason: string }

/**
 * Where mail for `domain` goes, from its MX answer and the addresses of the hosts it names
 * (`mailHostNames`): the hosts with a reachable address, in preference order. Addresses that are
 * not public are screened out before any connection (`Forbidden` when no host is left), so a
 * domain cannot point the worker at its own network; a host whose lookups both failed makes the
 * delivery wait rather than bounce.
 */
export const deliveryRoute = (
  domain: string,
  mx: MxAnswer,
  answers: ReadonlyArray<MailHostAnswers>,
  allowPrivate: boolean
): DeliveryRoute => {
  if (mx._tag === "Unavailable")
    return { _tag: "Retry", reason: `MX lookup for ${domain} failed: ${mx.reason}` }
  if (routeFromMx(domain, mx.records)._tag === "NullMx")
    return { _tag: "Refused", reason: `550 5.1.10 ${domain} accepts no mail (null MX)` }
  const hosts: Array<MxHostAddresses> = []
  let unavailable = 0
  for (const { name, a, aaaa } of answers) {
    if (a._tag === "Unavailable" && aaaa._tag === "Unavailable") unavailable++
    const addresses = [a, aaaa].flatMap((answer) => (answer._tag === "Answered" ? answer.values : []))
    if (addresses.length > 0) hosts.push({ name, addresses })
  }
  const screened = screenMxHosts(hosts, allowPrivate)
  if (screened.allowed.length > 0) return { _tag: "Hosts", hosts: screened.allowed }
  if (unavailable > 0)
    return { _tag: "Retry", reason: `address lookup for the mail servers of ${domain} failed` }
  if (screened.refused.length > 0)
    return { _tag: "Forbidden", reason: describeMxRefusal(domain, screened.refused) }
  return { _tag: "Refused", reason: `550 5.1.2 ${domain} has no reachable mail server` }
}

/** The outcome of a delivery whose route goes nowhere: deferred, bounced for good, or failed unsent. */
export const unroutedOutcome = (route: Exclude<DeliveryRoute, { _tag: "Hosts" }>): DeliveryOutcome => {
  switch (route._tag) {
    case "Retry":
      return { _tag: "Deferred", reply: `451 4.4.3 ${route.reason}`, mx: null }
    case "Refused":
      return { _tag: "Bounced", reply: route.reason, mx: null, hard: true }
    case "Forbidden":
      return { _tag: "Failed", reply: `554 5.4.4 not sent: ${route.reason}`, mx: null, reason: route.reason }
  }
}
