import { MemoryPrivacyJobQueue, PgDatabase, PgPrivacyJobQueue } from "@poststack/adapters-persistence"
import { PrivacyJobQueue } from "@poststack/application"
import { erasureStart, type TeamId } from "@poststack/domain"
import { Effect, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../../support/database.js"

interface Subject {
  readonly run: <A, E>(f: (q: PrivacyJobQueue["Type"]) => Effect.Effect<A, E>) => Promise<A>
  readonly team: () => Promise<TeamId>
  readonly close: () => Promise<void>
}

const memory = async (): Promise<Subject> => {
  const runtime = ManagedRuntime.make(MemoryPrivacyJobQueue.layer)
  let teams = 0
  return {
    run: (f) => runtime.runPromise(Effect.flatMap(PrivacyJobQueue, f)),
    team: async () => ++teams as TeamId,
    close: () => runtime.dispose()
  }
}

const postgres = async (): Promise<Subject> => {
  const db = await createTestDatabase()
  const runtime = ManagedRuntime.make(
    PgPrivacyJobQueue.layer.pipe(
      Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 }))
    )
  )
  await runtime.runPromise(Effect.void)
  return {
    run: (f) => runtime.runPromise(Effect.flatMap(PrivacyJobQueue, f)),
    team: async () => {
      const [row] = await query<{ id: number }>(db.url, "INSERT INTO teams (name) VALUES ('t') RETURNING id")
      return row?.id as TeamId
    },
    close: async () => {
      await runtime.dispose()
      await db.drop()
    }
  }
}

for (const [name, start] of [
  ["memory", memory],
  ["postgres", postgres]
] as const) {
  describe(`PrivacyJobQueue contract: ${name}`, () => {
    let s: Subject
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())

    it("claims each waiting job once, keeps its progress, and finds it only in its team", async () => {
      const [a, b] = [await s.team(), await s.team()]
      const job = await s.run((q) =>
        q.enqueue({ teamId: a, kind: "erase", address: "x@y.test", requestedBy: null })
      )
      expect(job).toMatchObject({ status: "pending", address: "x@y.test", progress: null })
      const claimed = await s.run((q) => q.claim({ limit: 10, leaseMs: 60_000 }))
      expect(claimed.map((j) => j.id)).toContain(job.id)
      expect((await s.run((q) => q.claim({ limit: 10, leaseMs: 60_000 }))).map((j) => j.id)).not.toContain(
        job.id
      )
      await s.run((q) => q.saveProgress(job.id, { ...erasureStart, stage: "emails", cursor: 7 }))
      const found = await s.run((q) => q.find(a, job.id))
      expect(Option.getOrThrow(found)).toMatchObject({
        status: "running",
        progress: { stage: "emails", cursor: 7 }
      })
      expect(Option.isNone(await s.run((q) => q.find(b, job.id)))).toBe(true)
      // Given back (the worker stops): claimable again, progress kept.
      await s.run((q) => q.release(claimed.filter((j) => j.id === job.id)))
      const again = await s.run((q) => q.claim({ limit: 10, leaseMs: 60_000 }))
      expect(again.find((j) => j.id === job.id)?.progress).toMatchObject({ stage: "emails", cursor: 7 })
    })

    it("a job whose lease ran out is claimed again", async () => {
      const t = await s.team()
      const job = await s.run((q) =>
        q.enqueue({ teamId: t, kind: "export", address: "l@y.test", requestedBy: null })
      )
      await s.run((q) => q.claim({ limit: 10, leaseMs: 1 }))
      await new Promise((r) => setTimeout(r, 20))
      expect((await s.run((q) => q.claim({ limit: 10, leaseMs: 60_000 }))).map((j) => j.id)).toContain(job.id)
    })

    it("claims one job by id, leaving the others waiting, and not while another holds it", async () => {
      const t = await s.team()
      const [first, second] = [
        await s.run((q) => q.enqueue({ teamId: t, kind: "export", address: "i1@y.test", requestedBy: null })),
        await s.run((q) => q.enqueue({ teamId: t, kind: "erase", address: "i2@y.test", requestedBy: null }))
      ]
      const mine = await s.run((q) => q.claim({ limit: 1, leaseMs: 60_000, id: second.id }))
      expect(mine.map((j) => j.id)).toEqual([second.id])
      expect(await s.run((q) => q.claim({ limit: 1, leaseMs: 60_000, id: second.id }))).toEqual([])
      const rest = await s.run((q) => q.claim({ limit: 100, leaseMs: 60_000 }))
      expect(rest.map((j) => j.id)).toContain(first.id)
      expect(rest.map((j) => j.id)).not.toContain(second.id)
    })

    it("a finished erasure forgets the address, and the same team's exports of it lose their archive", async () => {
      const [a, b] = [await s.team(), await s.team()]
      const exp = await s.run((q) =>
        q.enqueue({ teamId: a, kind: "export", address: "e@y.test", requestedBy: null })
      )
      const otherTeam = await s.run((q) =>
        q.enqueue({ teamId: b, kind: "export", address: "e@y.test", requestedBy: null })
      )
      await s.run((q) => q.finish(exp.id, { emails: ["e@y.test"] }))
      await s.run((q) => q.finish(otherTeam.id, { emails: ["e@y.test"] }))
      const erase = await s.run((q) =>
        q.enqueue({ teamId: a, kind: "erase", address: "e@y.test", requestedBy: null })
      )
      await s.run((q) => q.finish(erase.id, { erased: {} }))
      expect(Option.getOrThrow(await s.run((q) => q.find(a, erase.id)))).toMatchObject({
        status: "done",
        address: null,
        result: { erased: {} }
      })
      expect(Option.getOrThrow(await s.run((q) => q.find(a, exp.id)))).toMatchObject({
        address: null,
        result: null
      })
      expect(Option.getOrThrow(await s.run((q) => q.find(b, otherTeam.id)))).toMatchObject({
        address: "e@y.test",
        result: { emails: ["e@y.test"] }
      })
    })
  })
}
