import { Schema } from "effect"
import { TeamId } from "../Team.js"
import { Role } from "./Role.js"
import { UserId } from "./User.js"

/** An invitation's public id, `inv_` and 24 hex digits; the link's secret token is another value. */
export const InvitationId = Schema.String.pipe(
  Schema.pattern(/^inv_[0-9a-f]{24}$/),
  Schema.brand("InvitationId")
)
export type InvitationId = typeof InvitationId.Type

/** An invitation link works for seven days, once. */
export const INVITATION_LIFETIME_MS = 7 * 24 * 3_600_000

export const InvitationStatus = Schema.Literal("pending", "accepted", "revoked", "expired")
export type InvitationStatus = typeof InvitationStatus.Type

export class Invitation extends Schema.Class<Invitation>("Invitation")({
  id: InvitationId,
  teamId: TeamId,
  email: Schema.String,
  role: Role,
  invitedBy: Schema.NullOr(UserId),
  createdAt: Schema.DateFromSelf,
  expiresAt: Schema.DateFromSelf,
  acceptedAt: Schema.NullOr(Schema.DateFromSelf),
  revokedAt: Schema.NullOr(Schema.DateFromSelf)
}) {}

export const invitationStatus = (
  invitation: Pick<Invitation, "acceptedAt" | "revokedAt" | "expiresAt">,
  now: Date
): InvitationStatus =>
  invitation.acceptedAt !== null
    ? "accepted"
    : invitation.revokedAt !== null
      ? "revoked"
      : invitation.expiresAt.getTime() <= now.getTime()
        ? "expired"
        : "pending"
