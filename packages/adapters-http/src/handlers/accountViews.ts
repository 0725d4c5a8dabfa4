import {
  type Invitation,
  invitationStatus,
  type Membership,
  type Session,
  type User
} from "@poststack/domain"
import { InvitationView, MemberView, SessionView, TeamMembershipView, UserView } from "@poststack/contract"

export const toUserView = (user: User): UserView =>
  UserView.make({
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerifiedAt !== null,
    timeZone: user.timeZone,
    createdAt: user.createdAt
  })

export const toTeamView = (m: Membership): TeamMembershipView =>
  TeamMembershipView.make({ id: m.teamId, name: m.teamName, role: m.role, joinedAt: m.createdAt })

export const toMemberView = (m: Membership): MemberView =>
  MemberView.make({ userId: m.userId, email: m.email, name: m.name, role: m.role, joinedAt: m.createdAt })

export const toSessionView = (session: Session, current: Session["id"] | null): SessionView =>
  SessionView.make({
    id: session.id,
    current: session.id === current,
    teamId: session.teamId,
    address: session.address,
    userAgent: session.userAgent,
    createdAt: session.createdAt,
    lastSeenAt: session.lastSeenAt,
    expiresAt: session.expiresAt
  })

export const toInvitationView = (invitation: Invitation, now: Date): InvitationView =>
  InvitationView.make({
    id: invitation.id,
    teamId: invitation.teamId,
    email: invitation.email,
    role: invitation.role,
    status: invitationStatus(invitation, now),
    invitedBy: invitation.invitedBy,
    createdAt: invitation.createdAt,
    expiresAt: invitation.expiresAt
  })
