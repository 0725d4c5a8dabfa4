import {
  Invitation,
  type InvitationId,
  Membership,
  type Role,
  Session,
  type SessionId,
  type TeamId,
  User,
  type UserCredentials,
  type UserId
} from "@poststack/domain"

export interface UserRow {
  readonly id: string
  readonly email: string
  readonly name: string
  readonly password_hash: string | null
  readonly email_verified_at: Date | null
  readonly time_zone: string
  readonly created_at: Date
}

export const toCredentials = (row: UserRow): UserCredentials => ({
  user: User.make(
    {
      id: row.id as UserId,
      email: row.email,
      name: row.name,
      emailVerifiedAt: row.email_verified_at,
      timeZone: row.time_zone,
      createdAt: row.created_at
    },
    { disableValidation: true }
  ),
  passwordHash: row.password_hash
})

export interface SessionRow {
  readonly id: string
  readonly user_id: string
  readonly team_id: number | null
  readonly created_at: Date
  readonly expires_at: Date
  readonly last_seen_at: Date
  readonly address: string | null
  readonly user_agent: string | null
}

export const toSession = (row: SessionRow): Session =>
  Session.make(
    {
      id: row.id as SessionId,
      userId: row.user_id as UserId,
      teamId: row.team_id as TeamId | null,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      lastSeenAt: row.last_seen_at,
      address: row.address,
      userAgent: row.user_agent
    },
    { disableValidation: true }
  )

export interface MembershipRow {
  readonly team_id: number
  readonly team_name: string
  readonly user_id: string
  readonly email: string
  readonly name: string
  readonly role: Role
  readonly created_at: Date
}

export const toMembership = (row: MembershipRow): Membership =>
  Membership.make(
    {
      teamId: row.team_id as TeamId,
      teamName: row.team_name,
      userId: row.user_id as UserId,
      email: row.email,
      name: row.name,
      role: row.role,
      createdAt: row.created_at
    },
    { disableValidation: true }
  )

export interface InvitationRow {
  readonly id: string
  readonly team_id: number
  readonly email: string
  readonly role: Role
  readonly invited_by: string | null
  readonly created_at: Date
  readonly expires_at: Date
  readonly accepted_at: Date | null
  readonly revoked_at: Date | null
}

export const toInvitation = (row: InvitationRow): Invitation =>
  Invitation.make(
    {
      id: row.id as InvitationId,
      teamId: row.team_id as TeamId,
      email: row.email,
      role: row.role,
      invitedBy: row.invited_by as UserId | null,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      acceptedAt: row.accepted_at,
      revokedAt: row.revoked_at
    },
    { disableValidation: true }
  )
