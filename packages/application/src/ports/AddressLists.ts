import { Context } from "effect"

/**
 * Published lists about addresses: domains of disposable (throwaway) mailboxes, domains of free
 * mailbox providers, and local parts that name a role (`info`, `sales`, `postmaster`) rather
 * than a person. Lookups are in memory and never fail; inputs are lower-case.
 */
export class AddressLists extends Context.Tag("@poststack/application/AddressLists")<
  AddressLists,
  {
    /** Whether mail to this domain lands in a throwaway mailbox. Subdomains of a listed domain count. */
    readonly isDisposableDomain: (domain: string) => boolean
    /** Whether anyone can open a mailbox on this domain for free (gmail.com, gmx.de). */
    readonly isFreeProviderDomain: (domain: string) => boolean
    /** Whether the local part (as `roleKey` gives it) names a role. */
    readonly isRoleLocalPart: (localPart: string) => boolean
  }
>() {}
