import type { AlreadyExists, ExternalProfile, IdentityProvider, UserId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export interface LinkedIdentity extends ExternalProfile {
  readonly provider: IdentityProvider
  readonly linkedAt: Date
}

/** Accounts at providers linked to people, one per provider and person. */
export class IdentityRepository extends Context.Tag("@poststack/application/IdentityRepository")<
  IdentityRepository,
  {
    readonly find: (
      provider: IdentityProvider,
      providerId: string
    ) => Effect.Effect<Option.Option<UserId>, StoreUnavailable>
    readonly forUser: (userId: UserId) => Effect.Effect<ReadonlyArray<LinkedIdentity>, StoreUnavailable>
    /**
     * Links the account to the person, or refreshes the kept profile when it is theirs already;
     * `AlreadyExists` when it belongs to someone else or they have another account there.
     */
    readonly link: (
      userId: UserId,
      provider: IdentityProvider,
      profile: ExternalProfile
    ) => Effect.Effect<void, AlreadyExists | StoreUnavailable>
    /** `false` when nothing was linked. */
    readonly unlink: (userId: UserId, provider: IdentityProvider) => Effect.Effect<boolean, StoreUnavailable>
  }
>() {}
