import { createRequire } from "node:module"
import { AddressLists } from "@poststack/application"
import { Layer } from "effect"

// The lists ship as JSON (or CommonJS arrays) inside their packages, read once per process.
const require = createRequire(import.meta.url)

/** `disposable-email-domains-js`: the community disposable-email-domains blocklist (CC0). */
const disposable: ReadonlySet<string> = new Set(
  (require("disposable-email-domains-js") as { disposableEmailBlocklist: () => Array<string> })
    .disposableEmailBlocklist()
    .map((d) => d.toLowerCase())
)

/** `email-providers`: domains of mailbox providers anyone can sign up with (ISC). */
const providers: ReadonlySet<string> = new Set(
  (require("email-providers/all.json") as Array<string>).map((d) => d.toLowerCase())
)

/** `role-based-email-addresses`: local parts of role accounts (MIT). */
const roles: ReadonlySet<string> = new Set(
  (require("role-based-email-addresses") as Array<string>).map((r) => r.toLowerCase().replace(/[._]/g, "-"))
)

/** The domain and each parent below the top level: `a.b.mailinator.com`, `b.mailinator.com`, `mailinator.com`. */
const selfAndParents = (domain: string): Array<string> => {
  const labels = domain.split(".")
  return labels.slice(0, -1).map((_, i) => labels.slice(i).join("."))
}

export const make = AddressLists.of({
  isDisposableDomain: (domain) => selfAndParents(domain).some((d) => disposable.has(d)),
  // The provider list also names some throwaway services; those count as disposable only.
  isFreeProviderDomain: (domain) => providers.has(domain) && !disposable.has(domain),
  isRoleLocalPart: (localPart) => roles.has(localPart)
})

export const layer = Layer.succeed(AddressLists, make)
