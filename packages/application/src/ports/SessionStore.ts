import type { Session, SessionId, TeamId, UserId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export interface NewSession {
  readonly id: SessionId
  /** SHA-256 of the cookie's secret; the secret itself is never stored. */
  readonly tokenHash: Uint8Array
  readonly userId: UserId
  readonly teamId: TeamId | null
  readonly createdAt: Date
  readonly expiresAt: Date
  readonly address: string | null
  readonly userAgent: string | null
}

/** Signed-in sessions, found by the hash of their cookie. */
export class SessionStore extends Context.Tag("@poststack/application/SessionStore")<
  SessionStore,
  {
    readonly create: (session: NewSession) => Effect.Effect<Session, StoreUnavailable>
    /** The live session (not revoked, not expired at `now`) whose token hashes to `tokenHash`. */
    readonly findByTokenHash: (
      tokenHash: Uint8Array,
      now: Date
    ) => Effect.Effect<Option.Option<Session>, StoreUnavailable>
    readonly touch: (id: SessionId, at: Date) => Effect.Effect<void, StoreUnavailable>
    /** The person's live sessions, newest first. */
    readonly list: (userId: UserId, now: Date) => Effect.Effect<ReadonlyArray<Session>, StoreUnavailable>
    /** Ends one of the person's sessions; `false` when they have no such session. */
    readonly revoke: (userId: UserId, id: SessionId) => Effect.Effect<boolean, StoreUnavailable>
    /** Ends every session of the person but `keep` (`null`: all of them); returns how many ended. */
    readonly revokeAll: (userId: UserId, keep: SessionId | null) => Effect.Effect<number, StoreUnavailable>
    readonly selectTeam: (id: SessionId, teamId: TeamId) => Effect.Effect<void, StoreUnavailable>
    /**
     * Notes that the person signed in from `device` (a hash naming an address and a browser) at
     * `at`. Answers whether that device was seen since `forgetBefore`, and whether any sign-in of
     * theirs was ever noted before. Devices unseen since `forgetBefore` are forgotten, but for the
     * newest, so that a first sign-in stays told apart.
     */
    readonly noteDevice: (
      userId: UserId,
      device: string,
      at: Date,
      forgetBefore: Date
    ) => Effect.Effect<{ readonly known: boolean; readonly firstSignIn: boolean }, StoreUnavailable>
  }
>() {}
