import type {
  AccountLinkPurpose,
  AlreadyExists,
  TeamId,
  User,
  UserCredentials,
  UserId
} from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export interface NewUser {
  readonly id: UserId
  /** Already canonical (see `canonicalEmail`). */
  readonly email: string
  readonly name: string
  readonly passwordHash: string | null
  readonly timeZone: string
}

/** A single-use link sent by mail: only the SHA-256 of its token is kept. */
export interface NewAccountLink {
  readonly tokenHash: Uint8Array
  readonly userId: UserId
  readonly purpose: AccountLinkPurpose
  /** For `change_email`: the address the link confirms. */
  readonly newEmail: string | null
  readonly expiresAt: Date
}

/** People and their credentials, and the single-use links mailed to them. */
export class UserRepository extends Context.Tag("@poststack/application/UserRepository")<
  UserRepository,
  {
    /**
     * Creates the person together with their first team, whose owner they are, in one commit.
     * An address already registered fails with `AlreadyExists` and creates nothing.
     */
    readonly create: (
      user: NewUser,
      teamName: string
    ) => Effect.Effect<{ readonly user: User; readonly teamId: TeamId }, AlreadyExists | StoreUnavailable>
    /** By canonical address. */
    readonly findByEmail: (email: string) => Effect.Effect<Option.Option<UserCredentials>, StoreUnavailable>
    readonly get: (id: UserId) => Effect.Effect<Option.Option<UserCredentials>, StoreUnavailable>
    /**
     * Deletes the person with what is only theirs (memberships, sessions, linked identities, 2FA,
     * mailed links); invitations they sent or accepted keep no trace of them. `false`: none such.
     */
    readonly remove: (id: UserId) => Effect.Effect<boolean, StoreUnavailable>
    readonly setPasswordHash: (id: UserId, passwordHash: string) => Effect.Effect<void, StoreUnavailable>
    readonly markEmailVerified: (id: UserId, at: Date) => Effect.Effect<void, StoreUnavailable>
    /** Changes the sign-in address (then verified, as a link to it proved it); taken: `AlreadyExists`. */
    readonly setEmail: (
      id: UserId,
      email: string,
      at: Date
    ) => Effect.Effect<void, AlreadyExists | StoreUnavailable>
    readonly setProfile: (
      id: UserId,
      profile: { readonly name?: string; readonly timeZone?: string }
    ) => Effect.Effect<void, StoreUnavailable>
    /** Stores a link; earlier unused links of the same person and purpose stop working. */
    readonly issueLink: (link: NewAccountLink) => Effect.Effect<void, StoreUnavailable>
    /**
     * Uses a link up: the person and (for email changes) the new address, when the token is known,
     * of this purpose, unused and not expired at `now`. Two concurrent uses: one wins.
     */
    readonly consumeLink: (
      tokenHash: Uint8Array,
      purpose: AccountLinkPurpose,
      now: Date
    ) => Effect.Effect<
      Option.Option<{ readonly userId: UserId; readonly newEmail: string | null }>,
      StoreUnavailable
    >
  }
>() {}
