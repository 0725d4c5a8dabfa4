import type { DomainId } from "@poststack/domain"
import { Context, type Effect, Schema } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** The domain has no usable key: deleted, not verified (any more), or never set up. */
export class SigningKeyUnavailable extends Schema.TaggedError<SigningKeyUnavailable>()(
  "SigningKeyUnavailable",
  {
    message: Schema.String
  }
) {}

/**
 * Adds a DKIM-Signature to a complete RFC 5322 message with the domain's active key. The parsed
 * key is cached: signing reads no key material from storage per message.
 */
export class DkimSigner extends Context.Tag("@poststack/application/DkimSigner")<
  DkimSigner,
  {
    readonly sign: (
      domainId: DomainId,
      message: Uint8Array
    ) => Effect.Effect<Uint8Array, StoreUnavailable | SigningKeyUnavailable>
  }
>() {}
