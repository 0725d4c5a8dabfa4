import type { Invitation, InvitationId, Role, TeamId, UserId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export interface NewInvitation {
  readonly id: InvitationId
  readonly tokenHash: Uint8Array
  readonly teamId: TeamId
  readonly email: string
  readonly role: Role
  readonly invitedBy: UserId
  readonly expiresAt: Date
}

/** Invitations to join a team; the link's token is kept only as its SHA-256. */
export class InvitationRepository extends Context.Tag("@poststack/application/InvitationRepository")<
  InvitationRepository,
  {
    readonly create: (invitation: NewInvitation) => Effect.Effect<Invitation, StoreUnavailable>
    /** Every invitation of the team, newest first (the invite history). */
    readonly list: (teamId: TeamId) => Effect.Effect<ReadonlyArray<Invitation>, StoreUnavailable>
    /** Withdraws a pending invitation; `false` when there is no pending one of that id in the team. */
    readonly revoke: (teamId: TeamId, id: InvitationId, at: Date) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * Accepts the pending, unexpired invitation whose token hashes to `tokenHash`: marks it used and
     * makes `userId` a member with its role in one commit (a person already in the team keeps
     * their role). Returns the invitation, or none when the link is unknown, used, revoked or
     * expired. Two concurrent acceptances: one wins.
     */
    readonly accept: (
      tokenHash: Uint8Array,
      userId: UserId,
      now: Date
    ) => Effect.Effect<Option.Option<Invitation>, StoreUnavailable>
  }
>() {}
