import {
  MemoryContactEngagement,
  MemoryContactPropertyRepository,
  MemoryRepositories,
  PgDatabase,
  PgPersistence
} from "@poststack/adapters-persistence"
import {
  ContactEngagement,
  ContactRepository,
  RecalculateEngagement,
  type EngagementRound,
  TeamRepository
} from "@poststack/application"
import type { Contact, TeamId } from "@poststack/domain"
import { Effect, Layer, ManagedRuntime, Option, Redacted, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../../support/database.js"

type Ports = ContactEngagement | ContactRepository | TeamRepository

interface Tracked {
  readonly type: "opened" | "clicked"
  readonly at: Date
  readonly isPrefetch?: boolean
}

/** The port under test, and a way to store a tracking event of mail sent to an address. */
interface EngagementSubject {
  readonly run: <A, E>(effect: Effect.Effect<A, E, Ports>) => Promise<A>
  readonly track: (teamId: TeamId, recipient: string, event: Tracked) => Promise<void>
  readonly close: () => Promise<void>
}

const memory = async (): Promise<EngagementSubject> => {
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(MemoryRepositories.layer, MemoryContactPropertyRepository.layerWithContacts)
  )
  return {
    run: (effect) => runtime.runPromise(effect),
    track: (teamId, recipient, e) =>
      runtime.runPromise(
        Effect.flatMap(MemoryContactEngagement.MemoryTrackingEvents, (t) =>
          t.add({ teamId, recipient, type: e.type, at: e.at, isPrefetch: e.isPrefetch ?? false })
        )
      ),
    close: () => runtime.dispose()
  }
}

const postgres = async (): Promise<EngagementSubject> => {
  const db = await createTestDatabase()
  const runtime = ManagedRuntime.make(
    PgPersistence.pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 3 })))
  )
  await runtime.runPromise(Effect.void)
  const domains = new Map<number, number>()
  let n = 0
  return {
    run: (effect) => runtime.runPromise(effect),
    // What tracking stores: an event row of the recipient's delivery (PgEngagementLog).
    track: async (teamId, recipient, e) => {
      n++
      let domainId = domains.get(teamId)
      if (domainId === undefined) {
        const [row] = await query<{ id: number }>(
          db.url,
          "INSERT INTO domains (team_id, public_id, name) VALUES ($1, $2, $3) RETURNING id",
          [teamId, `dom_${String(teamId).padStart(16, "0")}`, `t${teamId}.example`]
        )
        domainId = row?.id ?? 0
        domains.set(teamId, domainId)
      }
      const [email] = await query<{ id: string }>(
        db.url,
        `INSERT INTO emails (public_id, team_id, domain_id, from_address, to_addresses, subject, text_body,
           message_id, status, test_mode)
         VALUES ($1, $2, $3, 'news@x.example', ARRAY[$4], 'Hi', 'Hi', $5, 'delivered', false) RETURNING id`,
        [`em_eng${n}`, teamId, domainId, recipient, `<eng${n}@x.example>`]
      )
      const [delivery] = await query<{ id: string }>(
        db.url,
        "INSERT INTO deliveries (email_id, team_id, recipient, kind, status) VALUES ($1, $2, $3, 'to', 'delivered') RETURNING id",
        [email?.id, teamId, recipient]
      )
      await query(
        db.url,
        `INSERT INTO email_events (email_id, delivery_id, event_type, metadata, is_prefetch, created_at)
         VALUES ($1, $2, $3, '{}', $4, $5)`,
        [email?.id, delivery?.id, e.type, e.isPrefetch ?? false, e.at]
      )
    },
    close: async () => {
      await runtime.dispose()
      await db.drop()
    }
  }
}

const DAY = 86_400_000
const T0 = Date.parse("2026-06-01T12:00:00Z")
const daysBefore = (days: number, from = T0) => new Date(from - days * DAY)
const ROUND: EngagementRound = { batch: 2, fullPassEveryMs: DAY }

for (const [name, start] of [
  ["memory", memory],
  ["postgres", postgres]
] as const) {
  describe(`ContactEngagement contract: ${name}`, () => {
    let s: EngagementSubject
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    const team = () =>
      s.run(
        Effect.map(
          Effect.flatMap(TeamRepository, (t) => t.create("team")),
          (t) => t.id
        )
      )
    const contact = (teamId: TeamId, email: string) =>
      s.run(
        Effect.flatMap(ContactRepository, (r) =>
          r.create(
            teamId,
            { email, firstName: null, lastName: null, unsubscribed: false, properties: {} },
            () => []
          )
        )
      )
    const reload = (c: Contact) =>
      s.run(
        Effect.map(
          Effect.flatMap(ContactRepository, (r) => r.get(c.teamId as TeamId, c.publicId)),
          Option.getOrThrow
        )
      )
    /** A round of the task as if the clock read `at`. */
    const round = (at: number, options: EngagementRound = ROUND) =>
      s.run(
        Effect.gen(function* () {
          yield* TestClock.setTime(at)
          return yield* RecalculateEngagement(options)
        }).pipe(Effect.provide(TestContext.TestContext))
      )

    it("takes the latest open or click of the contact's address in its team, whatever its case; prefetches and other teams do not count", async () => {
      const [a, b] = [await team(), await team()]
      const ann = await contact(a, "Ann@Example.com")
      const annInB = await contact(b, "ann@example.com")
      const bo = await contact(a, "bo@example.com")
      const cy = await contact(a, "cy@example.com")
      await s.track(a, "ann@example.com", { type: "opened", at: daysBefore(20) })
      await s.track(a, "ANN@example.com", { type: "clicked", at: daysBefore(3) })
      await s.track(a, "ann@example.com", { type: "opened", at: daysBefore(1), isPrefetch: true })
      await s.track(a, "bo@example.com", { type: "opened", at: daysBefore(45) })
      await s.track(a, "cy@example.com", { type: "opened", at: daysBefore(2), isPrefetch: true })
      await s.track(a, "stranger@example.com", { type: "clicked", at: daysBefore(1) })
      await round(T0)
      expect(await reload(ann)).toMatchObject({
        engagementSegment: "active",
        lastEngagedAt: daysBefore(3)
      })
      expect(await reload(bo)).toMatchObject({ engagementSegment: "at_risk", lastEngagedAt: daysBefore(45) })
      expect(await reload(cy)).toMatchObject({ engagementSegment: "dormant", lastEngagedAt: null })
      expect(await reload(annInB)).toMatchObject({ engagementSegment: "dormant", lastEngagedAt: null })
      // Derived data, not an edit: updatedAt stays.
      expect((await reload(ann)).updatedAt).toEqual(ann.updatedAt)
    })

    it("lets segments decay as time passes, and moves a contact back up when it engages again", async () => {
      const a = await team()
      const dee = await contact(a, "dee@example.com")
      const eve = await contact(a, "eve@example.com")
      const t1 = T0 + 2 * DAY
      await s.track(a, "dee@example.com", { type: "opened", at: daysBefore(10, t1) })
      await s.track(a, "eve@example.com", { type: "clicked", at: daysBefore(200, t1) })
      await round(t1)
      expect((await reload(dee)).engagementSegment).toBe("active")
      expect(await reload(eve)).toMatchObject({
        engagementSegment: "dormant",
        lastEngagedAt: daysBefore(200, t1)
      })

      await round(t1 + 25 * DAY)
      expect((await reload(dee)).engagementSegment).toBe("at_risk")
      await round(t1 + 81 * DAY)
      expect(await reload(dee)).toMatchObject({
        engagementSegment: "dormant",
        lastEngagedAt: daysBefore(10, t1)
      })

      await s.track(a, "dee@example.com", { type: "clicked", at: new Date(t1 + 81 * DAY) })
      // An older event read later never moves the date back.
      await s.track(a, "dee@example.com", { type: "opened", at: daysBefore(5, t1) })
      await round(t1 + 82 * DAY)
      expect(await reload(dee)).toMatchObject({
        engagementSegment: "active",
        lastEngagedAt: new Date(t1 + 81 * DAY)
      })
    })

    it("gives a contact created after its address engaged that history at the next full pass", async () => {
      const a = await team()
      const t2 = T0 + 200 * DAY
      await round(t2)
      await s.track(a, "fay@example.com", { type: "opened", at: daysBefore(4, t2) })
      await round(t2 + DAY / 2)
      // The next round re-reads the one before (late commits); after it, the event is behind both.
      await round(t2 + DAY / 2 + 3_600_000)
      const fay = await contact(a, "fay@example.com")
      await round(t2 + DAY / 2 + 7_200_000)
      expect((await reload(fay)).lastEngagedAt).toBeNull()
      const full = await round(t2 + DAY + 3_600_000)
      expect(full.full).toBe(true)
      expect(await reload(fay)).toMatchObject({
        engagementSegment: "active",
        lastEngagedAt: daysBefore(4, t2)
      })
    })

    it("reads events in batches, each once or twice per round pair, and keeps its place", async () => {
      const store = <A, E>(f: (e: ContactEngagement["Type"]) => Effect.Effect<A, E>) =>
        s.run(Effect.flatMap(ContactEngagement, f))
      const before = await store((e) => e.progress())
      const t3 = T0 + 400 * DAY
      const a = await team()
      const gil = await contact(a, "gil@example.com")
      for (let i = 5; i >= 1; i--)
        await s.track(a, "gil@example.com", { type: "opened", at: daysBefore(i, t3) })
      const first = await round(t3, { batch: 2, fullPassEveryMs: 1_000 * DAY })
      expect(first.full).toBe(false)
      expect(first.events).toBeGreaterThanOrEqual(5)
      expect(await reload(gil)).toMatchObject({
        engagementSegment: "active",
        lastEngagedAt: daysBefore(1, t3)
      })
      const after = await store((e) => e.progress())
      expect(after.readThrough).toBeGreaterThan(before.readThrough)
      expect(after.resumeAfter).toBe(before.readThrough)
      // Nothing new: the next round re-reads the previous round's events only (late commits), no more.
      const second = await round(t3 + 3_600_000, { batch: 2, fullPassEveryMs: 1_000 * DAY })
      expect(second.events).toBe(first.events)
      const third = await round(t3 + 7_200_000, { batch: 2, fullPassEveryMs: 1_000 * DAY })
      expect(third.events).toBe(0)
    })
  })
}
