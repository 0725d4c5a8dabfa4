import { MemorySuppressionList, PgDatabase, PgSuppressionList } from "@poststack/adapters-persistence"
import { SuppressionList } from "@poststack/application"
import type { TeamId } from "@poststack/domain"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"

interface Subject {
  readonly run: <A, E>(effect: Effect.Effect<A, E, SuppressionList>) => Promise<A>
  readonly teams: readonly [TeamId, TeamId]
  readonly close: () => Promise<void>
}

const memory = async (): Promise<Subject> => {
  const runtime = ManagedRuntime.make(MemorySuppressionList.layer)
  return {
    run: (effect) => runtime.runPromise(effect),
    teams: [1 as TeamId, 2 as TeamId],
    close: () => runtime.dispose()
  }
}

const postgres = async (): Promise<Subject> => {
  const db = await createTestDatabase()
  const runtime = ManagedRuntime.make(
    PgSuppressionList.layer.pipe(
      Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 }))
    )
  )
  await runtime.runPromise(Effect.void)
  const teams = await query<{ id: number }>(
    db.url,
    "INSERT INTO teams (name) VALUES ('a'), ('b') RETURNING id"
  )
  return {
    run: (effect) => runtime.runPromise(effect),
    teams: [teams[0]?.id as TeamId, teams[1]?.id as TeamId],
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
  describe(`SuppressionList contract: ${name}`, () => {
    let s: Subject
    const list = <A, E>(f: (l: SuppressionList["Type"]) => Effect.Effect<A, E>) =>
      s.run(Effect.flatMap(SuppressionList, f))
    beforeAll(async () => {
      s = await start()
    })
    afterAll(async () => {
      await s.close()
    })

    it("adds once per address whatever its case, keeping the first entry", async () => {
      const [team] = s.teams
      const first = await list((l) => l.add(team, "Ann@example.com", "manual", null))
      const again = await list((l) => l.add(team, "ann@EXAMPLE.com", "hard_bounce", null))
      expect(again).toEqual(first)
      expect(first.reason).toBe("manual")
      const found = await list((l) => l.reasons(team, ["ANN@example.com", "nobody@example.com"]))
      expect([...found]).toEqual([["ann@example.com", first]])
    })

    it("lists newest first with a total, page by page", async () => {
      const [team] = s.teams
      await list((l) => l.add(team, "b@example.com", "complaint", null))
      await new Promise((r) => setTimeout(r, 5))
      await list((l) => l.add(team, "c@example.com", "unsubscribe", null))
      const page1 = await list((l) => l.list(team, 1, 2))
      expect(page1.total).toBe(3)
      expect(page1.entries.map((e) => e.email)).toEqual(["c@example.com", "b@example.com"])
      expect((await list((l) => l.list(team, 2, 2))).entries.map((e) => e.email)).toEqual(["Ann@example.com"])
    })

    it("lists only the addresses containing a text in any case, and only a reason, with their total", async () => {
      const [team] = s.teams
      await list((l) => l.add(team, "d_1@Search.test", "manual", null))
      await list((l) => l.add(team, "d-2@search.test", "hard_bounce", null))
      const found = await list((l) => l.list(team, 1, 20, { search: "SEARCH.TEST" }))
      expect(found.total).toBe(2)
      expect(found.entries.map((e) => e.email).sort()).toEqual(["d-2@search.test", "d_1@Search.test"])
      // `_` is a character, not any character.
      expect((await list((l) => l.list(team, 1, 20, { search: "d_" }))).entries.map((e) => e.email)).toEqual([
        "d_1@Search.test"
      ])
      const bounced = await list((l) => l.list(team, 1, 20, { search: "search", reason: "hard_bounce" }))
      expect(bounced).toMatchObject({ total: 1, entries: [{ email: "d-2@search.test" }] })
      expect((await list((l) => l.list(team, 1, 20, { reason: "complaint" }))).total).toBe(1)
      await list((l) => l.remove(team, "d_1@search.test"))
      await list((l) => l.remove(team, "d-2@search.test"))
    })

    it("removes by address in any case, and says when there was nothing to remove", async () => {
      const [team] = s.teams
      expect(await list((l) => l.remove(team, "B@EXAMPLE.COM"))).toBe(true)
      expect(await list((l) => l.remove(team, "b@example.com"))).toBe(false)
      expect((await list((l) => l.reasons(team, ["b@example.com"]))).size).toBe(0)
    })

    it("keeps teams apart", async () => {
      const [team, other] = s.teams
      expect((await list((l) => l.list(other, 1, 20))).total).toBe(0)
      expect((await list((l) => l.reasons(other, ["c@example.com"]))).size).toBe(0)
      expect(await list((l) => l.remove(other, "c@example.com"))).toBe(false)
      expect((await list((l) => l.reasons(team, ["c@example.com"]))).size).toBe(1)
    })
  })
}
