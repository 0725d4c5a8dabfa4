import type { AuditDetails, Membership, SessionId, UserId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** What a sign-in writes once its first factor (password or GitHub) has proved who is asking. */
export interface SignInToOpen {
  readonly userId: UserId
  readonly sessionId: SessionId
  /** SHA-256 of the cookie's secret. */
  readonly tokenHash: Uint8Array
  readonly at: Date
  readonly expiresAt: Date
  readonly address: string | null
  /** As the session keeps it (at most 512 characters). */
  readonly sessionUserAgent: string | null
  /** As the audit log keeps it (`clipUserAgent`). */
  readonly auditUserAgent: string | null
  /** The `account.signed_in` entry's details. */
  readonly details: AuditDetails
  /** The device (a hash naming the address and browser), and when an unseen one is forgotten. */
  readonly device: string
  readonly forgetBefore: Date
}

export type OpenedSignIn =
  /** Two-factor authentication is on: nothing was written; the sign-in goes on to a challenge. */
  | { readonly _tag: "TwoFactorRequired" }
  | {
      readonly _tag: "Opened"
      /** The person's teams, oldest membership first; the session selected the first. */
      readonly teams: ReadonlyArray<Membership>
      /** As `SessionStore.noteDevice` answers. */
      readonly device: { readonly known: boolean; readonly firstSignIn: boolean }
    }

/**
 * A sign-in's writes in one step (optional: without it, the use case does the same through
 * `TwoFactorStore`, `MembershipRepository`, `SessionStore` and `AuditLog`, one call each). When
 * two-factor authentication is off: the person's teams read, the session stored with the first
 * selected (their expired sessions deleted), one `account.signed_in` audit entry per team (one
 * with no team when they have none, actor and target the person), and the device noted, all or
 * nothing. A sign-in is the one account action made many times a second; in PostgreSQL this is
 * one round trip and one commit instead of six and three.
 */
export class SignInStore extends Context.Tag("@poststack/application/SignInStore")<
  SignInStore,
  {
    readonly open: (signIn: SignInToOpen) => Effect.Effect<OpenedSignIn, StoreUnavailable>
  }
>() {}
