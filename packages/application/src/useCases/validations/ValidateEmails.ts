import { assessEmail, type MxFinding, roleKey, routeFromMx, splitAddress } from "@poststack/domain"
import { Effect } from "effect"
import { AddressLists } from "../../ports/AddressLists.js"
import { DnsResolver } from "../../ports/DnsResolver.js"
import { authorize, type Principal } from "../Principal.js"

/** Whether anything takes mail for the domain: its MX hosts, or (none published) an address of its own. */
const findMx = Effect.fnUntraced(function* (domain: string) {
  const dns = yield* DnsResolver
  const mx = yield* dns.mx(domain)
  if (mx._tag === "Unavailable") return "unknown" satisfies MxFinding
  const route = routeFromMx(domain, mx.records)
  if (route._tag === "NullMx") return "no_mail_server" satisfies MxFinding
  if (route._tag === "Hosts") return route.hosts.length > 0 ? "accepts_mail" : "no_mail_server"
  const answers = yield* Effect.all([dns.lookup(domain, "A"), dns.lookup(domain, "AAAA")], { concurrency: 2 })
  if (answers.some((a) => a._tag === "Answered" && a.values.length > 0)) return "accepts_mail"
  return answers.every((a) => a._tag === "Unavailable") ? "unknown" : "no_mail_server"
})

/**
 * Checks addresses without sending anything: syntax, whether the domain takes mail (DNS only, no
 * SMTP probe), and the disposable, free-provider and role lists. A domain is asked once per call,
 * however many of its addresses the batch holds.
 */
export const ValidateEmails = Effect.fn("ValidateEmails")(function* (
  principal: Principal,
  emails: ReadonlyArray<string>
) {
  yield* authorize(principal, "emailValidations")
  const lists = yield* AddressLists
  const parsed = emails.map((email) => ({ email, parts: splitAddress(email) }))
  const domains = [...new Set(parsed.flatMap(({ parts }) => (parts === undefined ? [] : [parts.domain])))]
  const findings = new Map(
    yield* Effect.forEach(domains, (domain) => Effect.map(findMx(domain), (mx) => [domain, mx] as const), {
      concurrency: 8
    })
  )
  return parsed.map(({ email, parts }) =>
    assessEmail(email, {
      syntax: parts !== undefined,
      mx: parts === undefined ? "no_mail_server" : (findings.get(parts.domain) ?? "unknown"),
      disposable: parts !== undefined && lists.isDisposableDomain(parts.domain),
      role: parts !== undefined && lists.isRoleLocalPart(roleKey(parts.localPart)),
      free: parts !== undefined && lists.isFreeProviderDomain(parts.domain)
    })
  )
})
