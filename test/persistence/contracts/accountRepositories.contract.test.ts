import { MemoryAccounts, PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import {
  InvitationRepository,
  MembershipRepository,
  SessionStore,
  UserRepository
} from "@poststack/application"
import type { InvitationId, SessionId, TeamId, UserId } from "@poststack/domain"
import { Effect, Exit, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../../support/database.js"

type Ports = UserRepository | SessionStore | MembershipRepository | InvitationRepository

interface Subject {
  readonly run: <A, E>(effect: Effect.Effect<A, E, Ports>) => Promise<A>
  readonly exit: <A, E>(effect: Effect.Effect<A, E, Ports>) => Promise<Exit.Exit<A, unknown>>
  readonly close: () => Promise<void>
}

const fromRuntime = (
  runtime: ManagedRuntime.ManagedRuntime<Ports, unknown>,
  close: () => Promise<void>
): Subject => ({
  run: (effect) => runtime.runPromise(effect),
  exit: (effect) => runtime.runPromiseExit(effect),
  close
})

const memorySubject = async (): Promise<Subject> => {
  const runtime = ManagedRuntime.make(MemoryAccounts.layer)
  return fromRuntime(runtime, () => runtime.dispose())
}

const postgresSubject = async (): Promise<Subject> => {
  const db = await createTestDatabase()
  const runtime = ManagedRuntime.make(
    PgPersistence.pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 })))
  )
  return fromRuntime(runtime, async () => {
    await runtime.dispose()
    await db.drop()
  })
}

let n = 0
const hex = (length: number) =>
  Array.from({ length }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("")
const userId = () => `usr_${hex(24)}` as UserId
const hash = () => new Uint8Array(32).map(() => Math.floor(Math.random() * 256))
const newUser = (email = `person${++n}@people.test`) => ({
  id: userId(),
  email,
  name: `Person ${n}`,
  passwordHash: "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",
  timeZone: "UTC"
})

for (const [name, make] of [
  ["memory", memorySubject],
  ["postgres", postgresSubject]
] as const) {
  describe(`accounts repositories: ${name}`, () => {
    let subject: Subject
    beforeAll(async () => {
      subject = await make()
    })
    afterAll(async () => {
      await subject.close()
    })

    it("creates a person with their team as owner, and refuses a second account for the address", async () => {
      const input = newUser()
      const created = await subject.run(Effect.flatMap(UserRepository, (r) => r.create(input, "First team")))
      expect(created.user.email).toBe(input.email)
      const teams = await subject.run(Effect.flatMap(MembershipRepository, (r) => r.listForUser(input.id)))
      expect(teams).toEqual([
        expect.objectContaining({ teamId: created.teamId, teamName: "First team", role: "owner" })
      ])
      const again = await subject.exit(
        Effect.flatMap(UserRepository, (r) => r.create({ ...newUser(input.email) }, "Other"))
      )
      expect(Exit.isFailure(again) && JSON.stringify(again.cause)).toContain("AlreadyExists")
      const found = await subject.run(Effect.flatMap(UserRepository, (r) => r.findByEmail(input.email)))
      expect(Option.map(found, (c) => c.passwordHash)).toEqual(Option.some(input.passwordHash))
    })

    it("uses a link once, only for its purpose and before it expires; a newer link replaces an older one", async () => {
      const input = newUser()
      await subject.run(Effect.flatMap(UserRepository, (r) => r.create(input, "T")))
      const now = new Date()
      const [first, second, expired] = [hash(), hash(), hash()]
      const issue = (tokenHash: Uint8Array, purpose: "verify_email" | "reset_password", expiresAt: Date) =>
        subject.run(
          Effect.flatMap(UserRepository, (r) =>
            r.issueLink({ tokenHash, userId: input.id, purpose, newEmail: null, expiresAt })
          )
        )
      const consume = (tokenHash: Uint8Array, purpose: "verify_email" | "reset_password") =>
        subject.run(Effect.flatMap(UserRepository, (r) => r.consumeLink(tokenHash, purpose, now)))
      await issue(first, "reset_password", new Date(now.getTime() + 60_000))
      await issue(second, "reset_password", new Date(now.getTime() + 60_000))
      expect(Option.isNone(await consume(first, "reset_password"))).toBe(true)
      expect(Option.isNone(await consume(second, "verify_email"))).toBe(true)
      expect(await consume(second, "reset_password")).toEqual(
        Option.some({ userId: input.id, newEmail: null })
      )
      expect(Option.isNone(await consume(second, "reset_password"))).toBe(true)
      await issue(expired, "verify_email", new Date(now.getTime() - 1))
      expect(Option.isNone(await consume(expired, "verify_email"))).toBe(true)
    })

    it("finds live sessions by hash only, lists them newest first, and revokes one, all, or all but one", async () => {
      const input = newUser()
      const { teamId } = await subject.run(Effect.flatMap(UserRepository, (r) => r.create(input, "T")))
      const now = new Date()
      const open = (tokenHash: Uint8Array, offset: number, life = 86_400_000) =>
        subject.run(
          Effect.flatMap(SessionStore, (s) =>
            s.create({
              id: `ses_${hex(24)}` as SessionId,
              tokenHash,
              userId: input.id,
              teamId,
              createdAt: new Date(now.getTime() + offset),
              expiresAt: new Date(now.getTime() + offset + life),
              address: "192.0.2.1",
              userAgent: "test"
            })
          )
        )
      const [a, b, c, gone] = [hash(), hash(), hash(), hash()]
      const sa = await open(a, 0)
      const sb = await open(b, 1)
      const sc = await open(c, 2)
      await open(gone, -10, 5)
      const find = (h: Uint8Array) =>
        subject.run(Effect.flatMap(SessionStore, (s) => s.findByTokenHash(h, new Date(now.getTime() + 10))))
      expect(Option.map(await find(a), (s) => s.id)).toEqual(Option.some(sa.id))
      expect(Option.isNone(await find(gone))).toBe(true)
      const listed = await subject.run(
        Effect.flatMap(SessionStore, (s) => s.list(input.id, new Date(now.getTime() + 10)))
      )
      expect(listed.map((s) => s.id)).toEqual([sc.id, sb.id, sa.id])
      expect(await subject.run(Effect.flatMap(SessionStore, (s) => s.revoke(userId(), sa.id)))).toBe(false)
      expect(await subject.run(Effect.flatMap(SessionStore, (s) => s.revoke(input.id, sa.id)))).toBe(true)
      expect(Option.isNone(await find(a))).toBe(true)
      expect(
        await subject.run(Effect.flatMap(SessionStore, (s) => s.revokeAll(input.id, sc.id)))
      ).toBeGreaterThanOrEqual(1)
      expect(Option.isNone(await find(b))).toBe(true)
      expect(Option.isSome(await find(c))).toBe(true)
      expect(await subject.run(Effect.flatMap(SessionStore, (s) => s.revokeAll(input.id, null)))).toBe(1)
      expect(Option.isNone(await find(c))).toBe(true)
    })

    it("notes sign-in devices: the first sign-in, a known device, a new one, and one forgotten after a while", async () => {
      const input = newUser()
      await subject.run(Effect.flatMap(UserRepository, (r) => r.create(input, "T")))
      const other = newUser()
      await subject.run(Effect.flatMap(UserRepository, (r) => r.create(other, "T")))
      const day = 86_400_000
      const start = Date.parse("2026-01-01T00:00:00Z")
      const note = (who: UserId, device: string, atDay: number) =>
        subject.run(
          Effect.flatMap(SessionStore, (s) =>
            s.noteDevice(who, device, new Date(start + atDay * day), new Date(start + (atDay - 90) * day))
          )
        )
      const laptop = hex(64)
      const phone = hex(64)
      expect(await note(input.id, laptop, 0)).toEqual({ known: false, firstSignIn: true })
      expect(await note(input.id, laptop, 1)).toEqual({ known: true, firstSignIn: false })
      expect(await note(input.id, phone, 2)).toEqual({ known: false, firstSignIn: false })
      // Another person's devices are theirs alone.
      expect(await note(other.id, laptop, 2)).toEqual({ known: false, firstSignIn: true })
      // The laptop, last seen on day 1, is forgotten by day 100; the phone was seen on day 60.
      expect(await note(input.id, phone, 60)).toEqual({ known: true, firstSignIn: false })
      expect(await note(input.id, laptop, 100)).toEqual({ known: false, firstSignIn: false })
      // After a long absence the newest device is kept, so a sign-in is still not the first.
      expect(await note(input.id, hex(64), 400)).toEqual({ known: false, firstSignIn: false })
    })

    it("adds a person to a team once, with the role given; a member already, or no such team, changes nothing", async () => {
      const owner = newUser()
      const { teamId } = await subject.run(Effect.flatMap(UserRepository, (r) => r.create(owner, "T")))
      const other = newUser()
      await subject.run(Effect.flatMap(UserRepository, (r) => r.create(other, "Other's")))
      const add = (team: number, user: UserId, role: "owner" | "admin" | "member") =>
        subject.run(Effect.flatMap(MembershipRepository, (r) => r.add(team as TeamId, user, role)))
      expect(await add(teamId, other.id, "admin")).toBe(true)
      expect(await add(teamId, other.id, "member")).toBe(false)
      expect(await add(teamId, owner.id, "member")).toBe(false)
      expect(await add(2_000_000_000, other.id, "member")).toBe(false)
      const members = await subject.run(
        Effect.flatMap(MembershipRepository, (r) => r.listMembers(teamId as TeamId))
      )
      expect(members.map((m) => [m.email, m.role])).toEqual([
        [owner.email, "owner"],
        [other.email, "admin"]
      ])
    })

    it("adds a person to an open team that has no member left (its only owner deleted their account)", async () => {
      const owner = newUser()
      const { teamId } = await subject.run(Effect.flatMap(UserRepository, (r) => r.create(owner, "Orphaned")))
      const other = newUser()
      await subject.run(Effect.flatMap(UserRepository, (r) => r.create(other, "Other's")))
      expect(await subject.run(Effect.flatMap(UserRepository, (r) => r.remove(owner.id)))).toBe(true)
      expect(
        await subject.run(Effect.flatMap(MembershipRepository, (r) => r.add(teamId, other.id, "owner")))
      ).toBe(true)
      const members = await subject.run(Effect.flatMap(MembershipRepository, (r) => r.listMembers(teamId)))
      expect(members.map((m) => [m.email, m.role])).toEqual([[other.email, "owner"]])
    })

    it("keeps a team's last owner: a demotion or removal that would leave none is refused", async () => {
      const owner = newUser()
      const { teamId } = await subject.run(Effect.flatMap(UserRepository, (r) => r.create(owner, "T")))
      const other = newUser()
      await subject.run(Effect.flatMap(UserRepository, (r) => r.create(other, "Other's")))
      const token = hash()
      const inviteId = `inv_${hex(24)}` as InvitationId
      await subject.run(
        Effect.flatMap(InvitationRepository, (r) =>
          r.create({
            id: inviteId,
            tokenHash: token,
            teamId: teamId as TeamId,
            email: other.email,
            role: "admin",
            invitedBy: owner.id,
            expiresAt: new Date(Date.now() + 60_000)
          })
        )
      )
      const accepted = await subject.run(
        Effect.flatMap(InvitationRepository, (r) => r.accept(token, other.id, new Date()))
      )
      expect(Option.map(accepted, (i) => i.id)).toEqual(Option.some(inviteId))
      expect(
        Option.isNone(
          await subject.run(
            Effect.flatMap(InvitationRepository, (r) => r.accept(token, other.id, new Date()))
          )
        )
      ).toBe(true)
      const memberships = MembershipRepository
      expect(
        await subject.run(Effect.flatMap(memberships, (r) => r.setRole(teamId, owner.id, "member")))
      ).toBe(false)
      expect(await subject.run(Effect.flatMap(memberships, (r) => r.remove(teamId, owner.id)))).toBe(false)
      expect(
        await subject.run(Effect.flatMap(memberships, (r) => r.setRole(teamId, other.id, "owner")))
      ).toBe(true)
      expect(
        await subject.run(Effect.flatMap(memberships, (r) => r.setRole(teamId, owner.id, "member")))
      ).toBe(true)
      const members = await subject.run(Effect.flatMap(memberships, (r) => r.listMembers(teamId)))
      expect(members.map((m) => [m.email, m.role])).toEqual([
        [owner.email, "member"],
        [other.email, "owner"]
      ])
      expect(await subject.run(Effect.flatMap(memberships, (r) => r.remove(teamId, owner.id)))).toBe(true)
      const history = await subject.run(Effect.flatMap(InvitationRepository, (r) => r.list(teamId)))
      expect(history.map((i) => i.acceptedAt !== null)).toEqual([true])
    })
  })
}
