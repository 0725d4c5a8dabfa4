import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import {
  AuditLog,
  MembershipRepository,
  SessionStore,
  SignInStore,
  type SignInToOpen,
  TwoFactorStore,
  UserRepository
} from "@poststack/application"
import type { SessionId, UserId } from "@poststack/domain"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"

/**
 * `open_sign_in` (PgSignInStore) writes what the port-by-port path writes (StartSession,
 * auditPerson, NoticeNewDevice): read back here through those ports.
 */
const hex = (length: number) =>
  Array.from({ length }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("")
const token = () => new Uint8Array(32).map(() => Math.floor(Math.random() * 256))
const DAY = 24 * 60 * 60_000

describe("PgSignInStore: a sign-in's writes in one call", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let runtime: ManagedRuntime.ManagedRuntime<
    SignInStore | SessionStore | AuditLog | UserRepository | MembershipRepository | TwoFactorStore,
    unknown
  >
  beforeAll(async () => {
    db = await createTestDatabase()
    runtime = ManagedRuntime.make(
      PgPersistence.pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 })))
    )
  }, 120_000)
  afterAll(async () => {
    await runtime.dispose()
    await db.drop()
  })

  const person = (email: string) =>
    runtime.runPromise(
      Effect.flatMap(UserRepository, (r) =>
        r.create(
          { id: `usr_${hex(24)}` as UserId, email, name: "Ada", passwordHash: null, timeZone: "UTC" },
          "First team"
        )
      )
    )
  const signIn = (userId: UserId, at: Date, device: string): SignInToOpen => ({
    userId,
    sessionId: `ses_${hex(24)}` as SessionId,
    tokenHash: token(),
    at,
    expiresAt: new Date(at.getTime() + DAY),
    address: "192.0.2.7",
    sessionUserAgent: "Firefox",
    auditUserAgent: "Firefox",
    details: { method: "password" },
    device,
    forgetBefore: new Date(at.getTime() - 90 * DAY)
  })
  const open = (s: SignInToOpen) => runtime.runPromise(Effect.flatMap(SignInStore, (store) => store.open(s)))

  it("stores the session with the first team, one audit entry per team, and notes the device", async () => {
    const { user, teamId } = await person("one@people.test")
    const second = await runtime.runPromise(
      Effect.flatMap(MembershipRepository, (m) => m.createTeam("Second team", user.id))
    )
    const at = new Date()
    const first = await open(signIn(user.id, at, "laptop"))
    expect(first._tag).toBe("Opened")
    if (first._tag !== "Opened") return
    expect(first.teams.map((t) => [t.teamId, t.teamName, t.role, t.email])).toEqual([
      [teamId, "First team", "owner", "one@people.test"],
      [second.id, "Second team", "owner", "one@people.test"]
    ])
    expect(first.device).toEqual({ known: false, firstSignIn: true })

    const sessions = await runtime.runPromise(Effect.flatMap(SessionStore, (s) => s.list(user.id, at)))
    expect(sessions.map((s) => [s.teamId, s.address, s.userAgent])).toEqual([
      [teamId, "192.0.2.7", "Firefox"]
    ])
    expect(sessions[0]?.expiresAt.getTime()).toBe(at.getTime() + DAY)

    const entries = await runtime.runPromise(Effect.flatMap(AuditLog, (a) => a.aboutPerson(user.id, 10)))
    expect(
      entries
        .map((e) => [e.teamId, e.action, e.actor, e.target, e.details, e.address, e.userAgent])
        .sort((a, b) => Number(a[0]) - Number(b[0]))
    ).toEqual(
      [teamId, second.id].map((team) => [
        team,
        "account.signed_in",
        { kind: "user", id: user.id },
        { type: "user", id: user.id },
        { method: "password" },
        "192.0.2.7",
        "Firefox"
      ])
    )

    // The same device again is known; another is new, and not the first sign-in.
    const again = await open(signIn(user.id, new Date(at.getTime() + 1000), "laptop"))
    expect(again._tag === "Opened" && again.device).toEqual({ known: true, firstSignIn: false })
    const other = await open(signIn(user.id, new Date(at.getTime() + 2000), "phone"))
    expect(other._tag === "Opened" && other.device).toEqual({ known: false, firstSignIn: false })
    // A device unseen for longer than the forgetting horizon is new again.
    const later = new Date(at.getTime() + 100 * DAY)
    const back = await open(signIn(user.id, later, "laptop"))
    expect(back._tag === "Opened" && back.device).toEqual({ known: false, firstSignIn: false })
    // The session of 100 days ago had expired: deleted with this sign-in.
    const live = await runtime.runPromise(
      Effect.flatMap(SessionStore, (s) => s.list(user.id, new Date(at.getTime() - DAY)))
    )
    expect(live).toHaveLength(1)
  })

  it("writes nothing when two-factor authentication is on", async () => {
    const { user } = await person("two@people.test")
    await runtime.runPromise(
      Effect.flatMap(TwoFactorStore, (t) =>
        Effect.zipRight(
          t.begin(user.id, new Uint8Array(40)),
          t.enable(user.id, 1, ["a".repeat(64)], new Date())
        )
      )
    )
    const at = new Date()
    expect(await open(signIn(user.id, at, "laptop"))).toEqual({ _tag: "TwoFactorRequired" })
    expect(await runtime.runPromise(Effect.flatMap(SessionStore, (s) => s.list(user.id, at)))).toEqual([])
    expect(await runtime.runPromise(Effect.flatMap(AuditLog, (a) => a.aboutPerson(user.id, 10)))).toEqual([])
    // Nothing noted: once it is off, the first sign-in is still the first.
    await runtime.runPromise(Effect.flatMap(TwoFactorStore, (t) => t.disable(user.id)))
    const opened = await open(signIn(user.id, at, "laptop"))
    expect(opened._tag === "Opened" && opened.device).toEqual({ known: false, firstSignIn: true })
  })
})
