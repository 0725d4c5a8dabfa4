import type { DomainId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/**
 * Adds a DKIM-Signature to a complete RFC 5322 message with the domain's active key. The parsed
 * key is cached: signing reads no key material from storage per message.
 */
export class DkimSigner extends Context.Tag("@poststack/application/DkimSigner")<
  DkimSigner,
  {
    readonly sign: (domainId: DomainId, message: Uint8Array) => Effect.Effect<Uint8Array, StoreUnavailable>
  }
>() {}
