import type { DnsAnswer } from "@poststack/domain"
import { Context, type Effect } from "effect"

export type LookupType = "TXT" | "MX" | "CNAME"

/**
 * Asks DNS. TXT answers are the record strings with their chunks joined; MX answers the exchange
 * hosts; CNAME answers the targets. A name with no such record is an empty answer; a server that
 * cannot be asked is `Unavailable`, never a failure.
 */
export class DnsResolver extends Context.Tag("@poststack/application/DnsResolver")<
  DnsResolver,
  { readonly lookup: (name: string, type: LookupType) => Effect.Effect<DnsAnswer> }
>() {}
