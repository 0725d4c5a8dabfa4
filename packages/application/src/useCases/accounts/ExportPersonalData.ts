import { type AuditDetails, SessionRequired, type UserId } from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { AuditLog } from "../../ports/AuditLog.js"
import { IdentityRepository } from "../../ports/IdentityRepository.js"
import { MembershipRepository } from "../../ports/MembershipRepository.js"
import { SessionStore } from "../../ports/SessionStore.js"
import { TwoFactorStore } from "../../ports/TwoFactorStore.js"
import { UserRepository } from "../../ports/UserRepository.js"

/** An entry's details without another person's address (an invitation names the invitee). */
const ownDetails = (details: AuditDetails, own: string): AuditDetails =>
  Object.fromEntries(
    Object.entries(details).filter(
      ([, v]) => !(typeof v === "string" && v.includes("@") && v.toLowerCase() !== own.toLowerCase())
    )
  )

/** The most audit entries an archive carries: 90 days of one person's actions fit many times over. */
const AUDIT_LIMIT = 10_000

/**
 * A person's own data as a machine-readable archive (P36): the account, the teams they belong
 * to with their role, live sessions, linked sign-in providers, whether 2FA is on, and the audit
 * entries about them. Every field is picked by name: no password hash, session token hash, sealed
 * 2FA secret or backup code, and of teams only the name and their own role (no other member).
 */
export const ExportPersonalData = Effect.fn("ExportPersonalData")(function* (userId: UserId) {
  const found = yield* (yield* UserRepository).get(userId)
  if (Option.isNone(found)) return yield* new SessionRequired({ message: "Sign in first" })
  const user = found.value.user
  const now = new Date(yield* Clock.currentTimeMillis)
  const teams = yield* (yield* MembershipRepository).listForUser(userId)
  const sessions = yield* (yield* SessionStore).list(userId, now)
  const identities = yield* (yield* IdentityRepository).forUser(userId)
  const twoFactor = yield* (yield* TwoFactorStore).status(userId)
  const audit = yield* (yield* AuditLog).aboutPerson(String(userId), AUDIT_LIMIT)
  return {
    format: "poststack.personal-data.v1",
    exportedAt: now.toISOString(),
    account: {
      id: user.id,
      email: user.email,
      name: user.name,
      emailVerifiedAt: user.emailVerifiedAt?.toISOString() ?? null,
      timeZone: user.timeZone,
      createdAt: user.createdAt.toISOString(),
      passwordSet: found.value.passwordHash !== null,
      twoFactorEnabled: twoFactor.enabled
    },
    teams: teams.map((m) => ({
      id: m.teamId,
      name: m.teamName,
      role: m.role,
      joinedAt: m.createdAt.toISOString()
    })),
    sessions: sessions.map((s) => ({
      id: s.id,
      teamId: s.teamId,
      createdAt: s.createdAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      address: s.address,
      userAgent: s.userAgent
    })),
    linkedIdentities: identities.map((i) => ({
      provider: i.provider,
      accountId: i.providerId,
      name: i.name,
      email: i.email,
      avatarUrl: i.avatarUrl,
      linkedAt: i.linkedAt.toISOString()
    })),
    auditLog: audit.map((e) => {
      // Another person's address and device (they acted on this one) or who they are (this one
      // acted on them) are theirs, not this person's.
      const byThem = e.actor?.kind === "user" && e.actor.id === String(userId)
      const onOther = e.target?.type === "user" && e.target.id !== String(userId)
      return {
        teamId: e.teamId,
        action: e.action,
        actor: byThem ? e.actor : e.actor === null ? null : { kind: e.actor.kind },
        target: onOther ? { type: "user" } : e.target,
        details: onOther ? {} : ownDetails(e.details, user.email),
        address: byThem ? e.address : null,
        userAgent: byThem ? e.userAgent : null,
        at: e.at.toISOString()
      }
    })
  }
})
