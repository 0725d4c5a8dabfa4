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

export class DkimKeyRepository extends Context.Tag("@poststack/application/DkimKeyRepository")<
  DkimKeyRepository,
  {
    /** Every key of the domain that is not yet retired. */
    readonly keys: (domainId: DomainId) => Effect.Effect<ReadonlyArray<DkimKey>, StoreUnavailable>
    readonly selectors: (domainId: DomainId) => Effect.Effect<ReadonlyArray<string>, StoreUnavailable>
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
    /** The pending key becomes active; the active one starts retiring until `retireAfter`. */
    readonly activatePending: (
      domainId: DomainId,
      retireAfter: Date
    ) => Effect.Effect<boolean, StoreUnavailable>
    readonly cancelPending: (domainId: DomainId) => Effect.Effect<boolean, StoreUnavailable>
    /** Domains whose staged key was seen in DNS and whose propagation window has passed. */
    readonly dueForActivation: (
      now: Date
    ) => Effect.Effect<
      ReadonlyArray<{ readonly teamId: TeamId; readonly domainId: DomainId }>,
      StoreUnavailable
    >
    /** Retires keys whose retirement window has passed; returns how many. */
    readonly retireExpired: (now: Date) => Effect.Effect<number, StoreUnavailable>
  }
>() {}
