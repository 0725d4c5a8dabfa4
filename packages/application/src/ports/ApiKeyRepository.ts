import type { ApiKey, ApiKeyId, ApiKeyMode, ApiKeyPermission, DomainId, TeamId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** A key about to be stored: only the peppered hash of its secret and a display prefix are kept. */
export interface NewApiKey {
  readonly teamId: TeamId
  readonly name: string
  readonly keyHash: Uint8Array
  readonly keyPrefix: string
  readonly permission: ApiKeyPermission
  readonly mode: ApiKeyMode
  readonly domainId: DomainId | null
}

/** The replacement secret for a rotation. */
export interface RotatedSecret {
  readonly keyHash: Uint8Array
  readonly keyPrefix: string
}

/**
 * API keys, always read and written within one team, except `findByHash`, which is how a request
 * discovers its team in the first place.
 */
export class ApiKeyRepository extends Context.Tag("@poststack/application/ApiKeyRepository")<
  ApiKeyRepository,
  {
    readonly insert: (key: NewApiKey) => Effect.Effect<ApiKey, StoreUnavailable>
    /** The key whose secret hashes to `keyHash`, in any team. */
    readonly findByHash: (keyHash: Uint8Array) => Effect.Effect<Option.Option<ApiKey>, StoreUnavailable>
    /** Whether `keyHash` was a key of a team closed since (and not deleted yet): asked only of unknown keys. */
    readonly closedTeamOf: (keyHash: Uint8Array) => Effect.Effect<boolean, StoreUnavailable>
    readonly list: (teamId: TeamId) => Effect.Effect<ReadonlyArray<ApiKey>, StoreUnavailable>
    readonly get: (teamId: TeamId, id: ApiKeyId) => Effect.Effect<Option.Option<ApiKey>, StoreUnavailable>
    readonly rename: (
      teamId: TeamId,
      id: ApiKeyId,
      name: string
    ) => Effect.Effect<Option.Option<ApiKey>, StoreUnavailable>
    /** Replaces the key with a new one (new id, same attributes) in one transaction. */
    readonly rotate: (
      teamId: TeamId,
      id: ApiKeyId,
      secret: RotatedSecret
    ) => Effect.Effect<Option.Option<ApiKey>, StoreUnavailable>
    /** Deletes the key; false when the team has no such key. */
    readonly delete: (teamId: TeamId, id: ApiKeyId) => Effect.Effect<boolean, StoreUnavailable>
    readonly touch: (id: ApiKeyId, at: Date) => Effect.Effect<void, StoreUnavailable>
    /** Keys whose stored hash predates peppering: the plain SHA-256 of their secret. */
    readonly legacyHashes: () => Effect.Effect<
      ReadonlyArray<{ readonly id: ApiKeyId; readonly sha256: Uint8Array }>,
      StoreUnavailable
    >
    /**
     * Replaces a legacy hash by its peppered form; false when the key is gone or another process
     * converted it first.
     */
    readonly pepperLegacyHash: (
      id: ApiKeyId,
      sha256: Uint8Array,
      peppered: Uint8Array
    ) => Effect.Effect<boolean, StoreUnavailable>
  }
>() {}
