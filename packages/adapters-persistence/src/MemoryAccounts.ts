import {
  InvitationRepository,
  MembershipRepository,
  type NewSession,
  SessionStore,
  UserRepository
} from "@poststack/application"
import {
  AlreadyExists,
  Invitation,
  Membership,
  type Role,
  Session,
  Team,
  type TeamId,
  User,
  type UserCredentials,
  type UserId
} from "@poststack/domain"
import { Context, Effect, Layer, Option } from "effect"

interface StoredLink {
  readonly userId: UserId
  readonly purpose: string
  readonly newEmail: string | null
  readonly expiresAt: Date
  usedAt: Date | null
}

/**
 * People, teams, sessions and invitations over one in-process state: the memory twins of the
 * Pg adapters, held to the same contract suite (test/persistence/accounts.contract.test.ts).
 */
export const make = Effect.sync(() => {
  const users = new Map<UserId, UserCredentials>()
  const teams = new Map<TeamId, Team>()
  const memberships: Array<{ teamId: TeamId; userId: UserId; role: Role; createdAt: Date }> = []
  const sessions = new Map<string, { session: Session; hash: string }>()
  const links = new Map<string, StoredLink>()
  const invitations = new Map<string, { invitation: Invitation; hash: string }>()
  let nextTeam = 1
  let clock = 0
  // Strictly increasing creation times, so "oldest first" is well defined as in SQL.
  const stamp = () => new Date(Math.max(Date.now(), ++clock))
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")
  const taken = new AlreadyExists({ message: "An account with this email address already exists" })

  const newTeam = (name: string, owner: UserId) => {
    const team = Team.make({ id: nextTeam++ as TeamId, name, createdAt: stamp() })
    teams.set(team.id, team)
    memberships.push({ teamId: team.id, userId: owner, role: "owner", createdAt: stamp() })
    return team
  }
  const view = (m: (typeof memberships)[number]): Membership => {
    const user = users.get(m.userId)?.user
    return Membership.make({
      teamId: m.teamId,
      teamName: teams.get(m.teamId)?.name ?? "",
      userId: m.userId,
      email: user?.email ?? "",
      name: user?.name ?? "",
      role: m.role,
      createdAt: m.createdAt
    })
  }
  const update = (id: UserId, change: Partial<User>, hash?: string | null) => {
    const found = users.get(id)
    if (found === undefined) return
    users.set(id, {
      user: User.make({ ...found.user, ...change }),
      passwordHash: hash === undefined ? found.passwordHash : hash
    })
  }
  const keepsOwner = (teamId: TeamId, userId: UserId, role: Role | null) =>
    role === "owner" ||
    memberships.some((m) => m.teamId === teamId && m.userId !== userId && m.role === "owner")

  const userRepository = UserRepository.of({
    create: (input, teamName) =>
      Effect.suspend(() => {
        for (const stored of users.values()) if (stored.user.email === input.email) return Effect.fail(taken)
        const user = User.make({
          id: input.id,
          email: input.email,
          name: input.name,
          emailVerifiedAt: null,
          timeZone: input.timeZone,
          createdAt: stamp()
        })
        users.set(user.id, { user, passwordHash: input.passwordHash })
        return Effect.succeed({ user, teamId: newTeam(teamName, user.id).id })
      }),
    findByEmail: (email) =>
      Effect.sync(() => Option.fromNullable([...users.values()].find((u) => u.user.email === email))),
    get: (id) => Effect.sync(() => Option.fromNullable(users.get(id))),
    setPasswordHash: (id, hash) => Effect.sync(() => update(id, {}, hash)),
    markEmailVerified: (id, at) =>
      Effect.sync(() => update(id, { emailVerifiedAt: users.get(id)?.user.emailVerifiedAt ?? at })),
    setEmail: (id, email, at) =>
      Effect.suspend(() => {
        for (const stored of users.values())
          if (stored.user.email === email && stored.user.id !== id) return Effect.fail(taken)
        update(id, { email, emailVerifiedAt: at })
        return Effect.void
      }),
    remove: (id) =>
      Effect.sync(() => {
        if (!users.delete(id)) return false
        for (let i = memberships.length - 1; i >= 0; i--)
          if (memberships[i]?.userId === id) memberships.splice(i, 1)
        for (const [key, stored] of sessions) if (stored.session.userId === id) sessions.delete(key)
        for (const [key, link] of links) if (link.userId === id) links.delete(key)
        return true
      }),
    setProfile: (id, profile) =>
      Effect.sync(() =>
        update(id, {
          ...(profile.name === undefined ? {} : { name: profile.name }),
          ...(profile.timeZone === undefined ? {} : { timeZone: profile.timeZone })
        })
      ),
    issueLink: (link) =>
      Effect.sync(() => {
        for (const stored of links.values())
          if (stored.userId === link.userId && stored.purpose === link.purpose && stored.usedAt === null)
            stored.usedAt = new Date()
        links.set(hex(link.tokenHash), {
          userId: link.userId,
          purpose: link.purpose,
          newEmail: link.newEmail,
          expiresAt: link.expiresAt,
          usedAt: null
        })
      }),
    consumeLink: (tokenHash, purpose, now) =>
      Effect.sync(() => {
        const link = links.get(hex(tokenHash))
        if (link === undefined || link.purpose !== purpose || link.usedAt !== null || link.expiresAt <= now)
          return Option.none()
        link.usedAt = now
        return Option.some({ userId: link.userId, newEmail: link.newEmail })
      })
  })

  /** Per person: device hash, last seen. */
  const devices = new Map<string, Map<string, Date>>()
  const sessionStore = SessionStore.of({
    create: (input: NewSession) =>
      Effect.sync(() => {
        const session = Session.make({
          id: input.id,
          userId: input.userId,
          teamId: input.teamId,
          createdAt: input.createdAt,
          expiresAt: input.expiresAt,
          lastSeenAt: input.createdAt,
          address: input.address,
          userAgent: input.userAgent
        })
        sessions.set(session.id, { session, hash: hex(input.tokenHash) })
        return session
      }),
    findByTokenHash: (tokenHash, now) =>
      Effect.sync(() => {
        const hash = hex(tokenHash)
        for (const stored of sessions.values())
          if (stored.hash === hash && stored.session.expiresAt > now) return Option.some(stored.session)
        return Option.none()
      }),
    touch: (id, at) =>
      Effect.sync(() => {
        const stored = sessions.get(id)
        if (stored !== undefined)
          sessions.set(id, { ...stored, session: Session.make({ ...stored.session, lastSeenAt: at }) })
      }),
    list: (userId, now) =>
      Effect.sync(() =>
        [...sessions.values()]
          .map((s) => s.session)
          .filter((s) => s.userId === userId && s.expiresAt > now)
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.id.localeCompare(b.id))
      ),
    revoke: (userId, id) =>
      Effect.sync(() => sessions.get(id)?.session.userId === userId && sessions.delete(id)),
    revokeAll: (userId, keep) =>
      Effect.sync(() => {
        let ended = 0
        for (const [id, stored] of sessions)
          if (stored.session.userId === userId && id !== keep) {
            sessions.delete(id)
            ended++
          }
        return ended
      }),
    selectTeam: (id, teamId) =>
      Effect.sync(() => {
        const stored = sessions.get(id)
        if (stored !== undefined)
          sessions.set(id, { ...stored, session: Session.make({ ...stored.session, teamId }) })
      }),
    noteDevice: (userId, device, at, forgetBefore) =>
      Effect.sync(() => {
        const mine = devices.get(userId) ?? new Map<string, Date>()
        devices.set(userId, mine)
        const newest = [...mine.entries()].sort(([, a], [, b]) => b.getTime() - a.getTime())[0]?.[0]
        for (const [hash, lastSeen] of mine) if (lastSeen < forgetBefore && hash !== newest) mine.delete(hash)
        const seen = mine.get(device)
        const answer = { known: seen !== undefined && seen >= forgetBefore, firstSignIn: mine.size === 0 }
        mine.set(device, at)
        return answer
      })
  })

  const membershipRepository = MembershipRepository.of({
    createTeam: (name, owner) => Effect.sync(() => newTeam(name, owner)),
    listForUser: (userId) => Effect.sync(() => memberships.filter((m) => m.userId === userId).map(view)),
    find: (teamId, userId) =>
      Effect.sync(() =>
        Option.map(
          Option.fromNullable(memberships.find((m) => m.teamId === teamId && m.userId === userId)),
          view
        )
      ),
    listMembers: (teamId) => Effect.sync(() => memberships.filter((m) => m.teamId === teamId).map(view)),
    setRole: (teamId, userId, role) =>
      Effect.sync(() => {
        const found = memberships.find((m) => m.teamId === teamId && m.userId === userId)
        if (found === undefined || !keepsOwner(teamId, userId, role)) return false
        found.role = role
        return true
      }),
    add: (teamId, userId, role) =>
      Effect.sync(() => {
        // The twin knows no closed teams: only absent ones are refused. A team it made stays one
        // after its last member leaves, as a row of \`teams\` does; one with members exists too.
        if (!teams.has(teamId) && !memberships.some((m) => m.teamId === teamId)) return false
        if (memberships.some((m) => m.teamId === teamId && m.userId === userId)) return false
        memberships.push({ teamId, userId, role, createdAt: stamp() })
        return true
      }),
    remove: (teamId, userId) =>
      Effect.sync(() => {
        const index = memberships.findIndex((m) => m.teamId === teamId && m.userId === userId)
        if (index < 0 || !keepsOwner(teamId, userId, null)) return false
        memberships.splice(index, 1)
        for (const [id, stored] of sessions)
          if (stored.session.userId === userId && stored.session.teamId === teamId)
            sessions.set(id, { ...stored, session: Session.make({ ...stored.session, teamId: null }) })
        return true
      })
  })

  const invitationRepository = InvitationRepository.of({
    create: (input) =>
      Effect.sync(() => {
        const invitation = Invitation.make({
          id: input.id,
          teamId: input.teamId,
          email: input.email,
          role: input.role,
          invitedBy: input.invitedBy,
          createdAt: stamp(),
          expiresAt: input.expiresAt,
          acceptedAt: null,
          revokedAt: null
        })
        invitations.set(invitation.id, { invitation, hash: hex(input.tokenHash) })
        return invitation
      }),
    list: (teamId) =>
      Effect.sync(() =>
        [...invitations.values()]
          .map((i) => i.invitation)
          .filter((i) => i.teamId === teamId)
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.id.localeCompare(b.id))
      ),
    revoke: (teamId, id, at) =>
      Effect.sync(() => {
        const stored = invitations.get(id)
        const i = stored?.invitation
        if (
          stored === undefined ||
          i === undefined ||
          i.teamId !== teamId ||
          i.acceptedAt !== null ||
          i.revokedAt !== null
        )
          return false
        invitations.set(id, { ...stored, invitation: Invitation.make({ ...i, revokedAt: at }) })
        return true
      }),
    accept: (tokenHash, userId, now) =>
      Effect.sync(() => {
        const hash = hex(tokenHash)
        for (const [id, stored] of invitations) {
          const i = stored.invitation
          if (stored.hash !== hash) continue
          if (i.acceptedAt !== null || i.revokedAt !== null || i.expiresAt <= now) return Option.none()
          const accepted = Invitation.make({ ...i, acceptedAt: now })
          invitations.set(id, { ...stored, invitation: accepted })
          if (!memberships.some((m) => m.teamId === i.teamId && m.userId === userId))
            memberships.push({ teamId: i.teamId, userId, role: i.role, createdAt: stamp() })
          return Option.some(accepted)
        }
        return Option.none()
      })
  })

  return { userRepository, sessionStore, membershipRepository, invitationRepository }
})

export const layer = Layer.effectContext(
  Effect.map(make, (m) =>
    Context.make(UserRepository, m.userRepository).pipe(
      Context.add(SessionStore, m.sessionStore),
      Context.add(MembershipRepository, m.membershipRepository),
      Context.add(InvitationRepository, m.invitationRepository)
    )
  )
)
