import type { TwoFactorStatus, UserId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export interface TwoFactorFactor {
  /** The TOTP secret as `SecretBox` sealed it. */
  readonly sealedSecret: Uint8Array
  /** `false` while enrolment waits for its confirmation code. */
  readonly enabled: boolean
}

/**
 * People's second factor: the sealed TOTP secret, the last time step used, the SHA-256 hashes of
 * backup codes, and the pending second step of sign-ins (by the hash of their token).
 */
export class TwoFactorStore extends Context.Tag("@poststack/application/TwoFactorStore")<
  TwoFactorStore,
  {
    readonly status: (userId: UserId) => Effect.Effect<TwoFactorStatus, StoreUnavailable>
    readonly factor: (userId: UserId) => Effect.Effect<Option.Option<TwoFactorFactor>, StoreUnavailable>
    /**
     * Keeps a new secret waiting for confirmation, replacing an earlier unconfirmed one; `false`
     * (nothing written) when the factor is already enabled.
     */
    readonly begin: (userId: UserId, sealedSecret: Uint8Array) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * Turns the waiting factor on, with `step` as its last used step and these backup code hashes
     * (replacing any); `false` when there was nothing waiting (or it is on already).
     */
    readonly enable: (
      userId: UserId,
      step: number,
      backupCodeHashes: ReadonlyArray<string>,
      at: Date
    ) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * Records `step` as used: `true` only when it is later than every step used before, so a code
     * is accepted once (two concurrent uses: one wins), and never an older one after it.
     */
    readonly useStep: (userId: UserId, step: number) => Effect.Effect<boolean, StoreUnavailable>
    /** Uses up the backup code of this hash: `true` once, when it is the person's and unused. */
    readonly useBackupCode: (
      userId: UserId,
      hash: string,
      at: Date
    ) => Effect.Effect<boolean, StoreUnavailable>
    /** Forgets the factor and its backup codes; `false` when there was none enabled. */
    readonly disable: (userId: UserId) => Effect.Effect<boolean, StoreUnavailable>
    /** Stores a sign-in's second step, bound to the person whose password was just checked. */
    readonly createChallenge: (challenge: {
      readonly tokenHash: Uint8Array
      readonly userId: UserId
      readonly expiresAt: Date
    }) => Effect.Effect<void, StoreUnavailable>
    /** The person a live challenge is for. */
    readonly findChallenge: (
      tokenHash: Uint8Array,
      now: Date
    ) => Effect.Effect<Option.Option<UserId>, StoreUnavailable>
    /** Ends a challenge: `true` for the one caller that ended it. */
    readonly endChallenge: (tokenHash: Uint8Array) => Effect.Effect<boolean, StoreUnavailable>
  }
>() {}
