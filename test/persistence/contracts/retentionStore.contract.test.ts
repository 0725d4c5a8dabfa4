import { MemoryRetentionStore, PgDatabase, PgRetentionStore } from "@poststack/adapters-persistence"
import { type RetentionKind, RetentionStore } from "@poststack/application"
import type { TeamId } from "@poststack/domain"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../../support/database.js"
import { pgSeed } from "../../retention/pgSeed.js"

const DAY = 86_400_000
const now = Date.now()
const ago = (days: number) => new Date(now - days * DAY)

/** What the suite needs of a subject: the store, and a way to put rows of each kind in and count them. */
interface Subject {
  readonly store: <A, E>(f: (s: RetentionStore["Type"]) => Effect.Effect<A, E>) => Promise<A>
  readonly team: () => Promise<TeamId>
  readonly add: (
    teamId: TeamId,
    kind: RetentionKind,
    at: Date,
    opts?: { live?: boolean; sharedWith?: TeamId }
  ) => Promise<ReadonlyArray<string>>
  readonly session: (expiresAt: Date) => Promise<void>
  readonly count: (teamId: TeamId, kind: RetentionKind) => Promise<number>
  readonly sessions: () => Promise<number>
  /** Marks the team closed at `at`, as closing it would. */
  readonly closeTeam: (teamId: TeamId, at: Date) => Promise<void>
  readonly teamExists: (teamId: TeamId) => Promise<boolean>
  readonly close: () => Promise<void>
}

const memory = async (): Promise<Subject> => {
  const runtime = ManagedRuntime.make(MemoryRetentionStore.layer)
  const rows = () => runtime.runPromise(MemoryRetentionStore.MemoryRetainedRows)
  let teams = 0
  let keys = 0
  return {
    store: (f) => runtime.runPromise(Effect.flatMap(RetentionStore, f)),
    team: async () => ++teams as TeamId,
    add: async (teamId, kind, createdAt, opts) => {
      const r = await rows()
      const rawKey = kind === "inbound" ? `inbound/m${++keys}/raw` : undefined
      const partKeys = rawKey === undefined ? undefined : [rawKey.replace("raw", "part-1")]
      for (const t of [teamId, ...(opts?.sharedWith === undefined ? [] : [opts.sharedWith])])
        await runtime.runPromise(r.add({ kind, teamId: t, createdAt, live: opts?.live, rawKey, partKeys }))
      return rawKey === undefined ? [] : [rawKey, ...(partKeys ?? [])]
    },
    session: async (expiresAt) =>
      runtime.runPromise(
        Effect.flatMap(MemoryRetentionStore.MemoryRetainedRows, (r) => r.addSession(expiresAt))
      ),
    count: async (teamId, kind) => runtime.runPromise((await rows()).count(teamId, kind)),
    sessions: async () => runtime.runPromise((await rows()).sessions()),
    closeTeam: async (teamId, at) => runtime.runPromise((await rows()).closeTeam(teamId, at)),
    teamExists: async (teamId) => runtime.runPromise((await rows()).exists(teamId)),
    close: () => runtime.dispose()
  }
}

const postgres = async (): Promise<Subject> => {
  const db = await createTestDatabase()
  const runtime = ManagedRuntime.make(
    PgRetentionStore.layer.pipe(Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 })))
  )
  await runtime.runPromise(Effect.void)
  const seed = pgSeed(db.url)
  const tables: Record<RetentionKind, string> = {
    emails: "emails",
    events: "events",
    inbound: "inbound_emails",
    webhookDeliveries: "webhook_deliveries"
  }
  return {
    store: (f) => runtime.runPromise(Effect.flatMap(RetentionStore, f)),
    team: async () => (await seed.team()) as TeamId,
    add: async (teamId, kind, at, opts) => {
      switch (kind) {
        case "emails":
          await seed.email(teamId, at, "r@rcpt.test", opts?.live === true ? "queued" : "delivered")
          return []
        case "events":
          await seed.q(
            "INSERT INTO events (team_id, type, payload, created_at) VALUES ($1, 'email.sent', '{}', $2)",
            [teamId, at]
          )
          return []
        case "webhookDeliveries": {
          const eventId = await seed.event(teamId, at, "r@rcpt.test")
          // Only the delivery is under test here: its event goes, as retention would have taken it first.
          await seed.q("DELETE FROM events WHERE id = $1", [eventId])
          if (opts?.live === true)
            await seed.q("UPDATE webhook_deliveries SET status = 'sending' WHERE team_id = $1", [teamId])
          return []
        }
        case "inbound": {
          const m = await seed.inbound(
            [teamId, ...(opts?.sharedWith === undefined ? [] : [opts.sharedWith])],
            at,
            "s@sender.test"
          )
          return [m.rawKey, m.partKey]
        }
      }
    },
    session: async (expiresAt) => {
      await seed.session(new Date(expiresAt.getTime() - DAY))
    },
    count: (teamId, kind) => seed.count(`${tables[kind]} WHERE team_id = $1`, [teamId]),
    sessions: () => seed.count("sessions"),
    closeTeam: async (teamId, at) => {
      await seed.q("UPDATE teams SET closed_at = $2 WHERE id = $1", [teamId, at])
    },
    teamExists: async (teamId) => (await seed.count("teams WHERE id = $1", [teamId])) === 1,
    close: async () => {
      await seed.close()
      await runtime.dispose()
      await db.drop()
    }
  }
}

for (const [name, start] of [
  ["memory", memory],
  ["postgres", postgres]
] as const) {
  describe(`RetentionStore contract: ${name}`, () => {
    let s: Subject
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    for (const kind of ["emails", "events", "webhookDeliveries", "inbound"] as const)
      it(`${kind}: one team's rows before the cutoff go, oldest first, in batches; younger rows and other teams stay`, async () => {
        const [a, b] = [await s.team(), await s.team()]
        for (const d of [40, 35, 33]) await s.add(a, kind, ago(d))
        await s.add(a, kind, ago(10))
        await s.add(b, kind, ago(40))
        const first = await s.store((r) => r.purgeBefore(a, kind, ago(30), 2, 0))
        expect(first.removed).toBe(2)
        expect(await s.count(a, kind)).toBe(2)
        const second = await s.store((r) => r.purgeBefore(a, kind, ago(30), 2, 0))
        expect(second.removed).toBe(1)
        expect(await s.count(a, kind)).toBe(1)
        expect(await s.count(b, kind)).toBe(1)
        const teams = await s.store((r) => r.teams(0, 100))
        expect(teams).toEqual(expect.arrayContaining([a, b]))
        expect(await s.store((r) => r.teams(a, 100))).not.toContain(a)
      })

    it("emails with mail still waiting, and webhook deliveries being sent, are kept past the cutoff", async () => {
      const t = await s.team()
      await s.add(t, "emails", ago(40), { live: true })
      await s.add(t, "webhookDeliveries", ago(40), { live: true })
      expect((await s.store((r) => r.purgeBefore(t, "emails", ago(30), 10, 0))).removed).toBe(0)
      expect((await s.store((r) => r.purgeBefore(t, "webhookDeliveries", ago(30), 10, 0))).removed).toBe(0)
      expect(await s.count(t, "emails")).toBe(1)
    })

    it("inbound: frees a message's files only with its last row", async () => {
      const [a, b] = [await s.team(), await s.team()]
      const own = await s.add(a, "inbound", ago(40))
      const shared = await s.add(a, "inbound", ago(40), { sharedWith: b })
      const done = await s.store((r) => r.purgeBefore(a, "inbound", ago(30), 10, 0))
      expect(done.removed).toBe(2)
      expect([...done.freedBlobs].sort()).toEqual([...own].sort())
      const later = await s.store((r) => r.purgeBefore(b, "inbound", ago(30), 10, 0))
      expect([...later.freedBlobs].sort()).toEqual([...shared].sort())
    })

    it("closed teams: listed once closed before the date, and removed with their rows; open teams are never removed", async () => {
      const [closed, recent, open] = [await s.team(), await s.team(), await s.team()]
      await s.add(closed, "emails", ago(1))
      await s.closeTeam(closed, ago(20))
      await s.closeTeam(recent, ago(2))
      const due = await s.store((r) => r.closedTeams(ago(14), 100))
      expect(due).toContain(closed)
      expect(due).not.toContain(recent)
      expect(due).not.toContain(open)
      await s.store((r) => r.removeClosedTeam(closed))
      await s.store((r) => r.removeClosedTeam(open))
      expect(await s.teamExists(closed)).toBe(false)
      expect(await s.count(closed, "emails")).toBe(0)
      expect(await s.teamExists(open)).toBe(true)
      expect(await s.store((r) => r.closedTeams(ago(14), 100))).not.toContain(closed)
    })

    it("sessions: the expired go, the live stay", async () => {
      const before = await s.sessions()
      await s.session(new Date(now - 1000))
      await s.session(new Date(now + 3_600_000))
      expect(await s.store((r) => r.purgeExpiredSessions(new Date(now), 100))).toBe(1)
      expect(await s.sessions()).toBe(before + 1)
    })
  })
}
