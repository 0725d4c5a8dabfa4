import { InvitationStatus, Role } from "@poststack/domain"
import { Schema } from "effect"

/** A person as they see themselves. */
export class UserView extends Schema.Class<UserView>("User")({
  id: Schema.String,
  email: Schema.String,
  name: Schema.String,
  emailVerified: Schema.Boolean,
  timeZone: Schema.String,
  createdAt: Schema.Date
}) {}

/** One of the person's teams, with their role in it. */
export class TeamMembershipView extends Schema.Class<TeamMembershipView>("TeamMembership")({
  id: Schema.Int,
  name: Schema.String,
  role: Role,
  joinedAt: Schema.Date
}) {}

/** A member of a team, as the team sees them. */
export class MemberView extends Schema.Class<MemberView>("Member")({
  userId: Schema.String,
  email: Schema.String,
  name: Schema.String,
  role: Role,
  joinedAt: Schema.Date
}) {}

/** A signed-in session: the device and address it was opened from, and when it was last used. */
export class SessionView extends Schema.Class<SessionView>("Session")({
  id: Schema.String,
  current: Schema.Boolean,
  teamId: Schema.NullOr(Schema.Int),
  address: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String),
  createdAt: Schema.Date,
  lastSeenAt: Schema.Date,
  expiresAt: Schema.Date
}) {}

export class InvitationView extends Schema.Class<InvitationView>("Invitation")({
  id: Schema.String,
  teamId: Schema.Int,
  email: Schema.String,
  role: Role,
  status: InvitationStatus,
  invitedBy: Schema.NullOr(Schema.String),
  createdAt: Schema.Date,
  expiresAt: Schema.Date
}) {}

/** What sign-in and `GET /auth/session` answer: the person, the session, and its CSRF token. */
export class SessionInfo extends Schema.Class<SessionInfo>("SessionInfo")({
  user: UserView,
  session: SessionView,
  teams: Schema.Array(TeamMembershipView),
  csrfToken: Schema.String,
  /**
   * Whether this server sends its own mail now (`POSTSTACK_SYSTEM_FROM` on a verified domain):
   * without it no confirmation link goes out, so a page that relies on one can say so.
   */
  systemMail: Schema.Boolean
}) {}

/** The one answer of requests whose outcome must not say whether an address has an account. */
export const Accepted = Schema.Struct({ message: Schema.String })
