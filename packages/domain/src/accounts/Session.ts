import { Schema } from "effect"
import { TeamId } from "../Team.js"
import { UserId } from "./User.js"

/** A session's public handle, `ses_` and 24 hex digits: listed and revoked by it, never a credential. */
export const SessionId = Schema.String.pipe(Schema.pattern(/^ses_[0-9a-f]{24}$/), Schema.brand("SessionId"))
export type SessionId = typeof SessionId.Type

/** Absolute life of a session: 24 hours from sign-in, however active it is. */
export const SESSION_LIFETIME_MS = 24 * 3_600_000

/** `lastSeenAt` is refreshed at most this often, so a session is not a write per request. */
export const SESSION_SEEN_RESOLUTION_MS = 60_000

export class Session extends Schema.Class<Session>("Session")({
  id: SessionId,
  userId: UserId,
  /** The team the person acts on; `null` until one is selected. */
  teamId: Schema.NullOr(TeamId),
  createdAt: Schema.DateFromSelf,
  expiresAt: Schema.DateFromSelf,
  lastSeenAt: Schema.DateFromSelf,
  address: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String)
}) {}

export const sessionExpiry = (createdAt: Date): Date => new Date(createdAt.getTime() + SESSION_LIFETIME_MS)

export const isSessionLive = (session: Pick<Session, "expiresAt">, now: Date): boolean =>
  session.expiresAt.getTime() > now.getTime()

export const needsSeenRefresh = (session: Pick<Session, "lastSeenAt">, now: Date): boolean =>
  now.getTime() - session.lastSeenAt.getTime() >= SESSION_SEEN_RESOLUTION_MS
