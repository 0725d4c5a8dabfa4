import type { DnsAnswer, MxAnswer } from "@poststack/domain"
import { Context, type Effect } from "effect"

export type LookupType = "TXT" | "MX" | "CNAME" | "A" | "AAAA"

/**
 * Asks DNS. TXT answers are the record strings with their chunks joined; MX answers the exchange
 * hosts; CNAME answers the targets; A and AAAA the addresses. A name with no such record is an empty answer; a server that
 * cannot be asked is `Unavailable`, never a failure.
 */
export class DnsResolver extends Context.Tag("@poststack/application/DnsResolver")<
  DnsResolver,
  {
    readonly lookup: (name: string, type: LookupType) => Effect.Effect<DnsAnswer>
    /** MX records with their priorities; the null MX (`.`) has an empty exchange. */
    readonly mx: (name: string) => Effect.Effect<MxAnswer>
  }
>() {}
