import type { DkimKey, DkimKeyId, DomainId, TeamId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { NewDkimKey } from "./DomainRepository.js"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** The key a domain signs with now, with its private half still sealed. */
export interface SigningKey {
  readonly keyId: DkimKeyId
  readonly domainName: string
  readonly selector: string
  readonly sealedPrivateKey: Uint8Array
}

export interface DueActivation {
  readonly teamId: TeamId
  readonly domainId: DomainId
  readonly domainName: string
  readonly key: DkimKey
}

export class DkimKeyRepository extends Context.Tag("@poststack/application/DkimKeyRepository")<
  DkimKeyRepository,
  {
    /** Every key of the domain that is not yet retired. */
    readonly keys: (domainId: DomainId) => Effect.Effect<ReadonlyArray<DkimKey>, StoreUnavailable>
    readonly selectors: (domainId: DomainId) => Effect.Effect<ReadonlyArray<string>, StoreUnavailable>
    /** The active key of a verified, not deleted domain: `None` means the domain may not send. */
    readonly signingKey: (domainId: DomainId) => Effect.Effect<Option.Option<SigningKey>, StoreUnavailable>
    /** Adds a pending key; `None` when a rotation is already under way. */
    readonly addPending: (
      domainId: DomainId,
      key: NewDkimKey
    ) => Effect.Effect<Option.Option<DkimKey>, StoreUnavailable>
    readonly markPublished: (
      keyId: DkimKeyId,
      publishedAt: Date,
      activatesAfter: Date
    ) => Effect.Effect<void, StoreUnavailable>
    /**
     * Key `keyId` becomes active, if it is still the domain's pending key and its record was seen
     * in DNS; the active key starts retiring until `retireAfter`. False when nothing changed.
     */
    readonly activatePending: (
      domainId: DomainId,
      keyId: DkimKeyId,
      retireAfter: Date
    ) => Effect.Effect<boolean, StoreUnavailable>
    /** Drops the staged key (kept as retired, its selector never reused). */
    readonly cancelPending: (domainId: DomainId) => Effect.Effect<boolean, StoreUnavailable>
    /** Staged keys whose record was seen in DNS and whose propagation window has passed. */
    readonly dueForActivation: (now: Date) => Effect.Effect<ReadonlyArray<DueActivation>, StoreUnavailable>
    /** Retires keys whose retirement window has passed; returns the domains that had one. */
    readonly retireExpired: (
      now: Date
    ) => Effect.Effect<
      ReadonlyArray<{ readonly teamId: TeamId; readonly domainId: DomainId }>,
      StoreUnavailable
    >
  }
>() {}
