import { PgDatabase, PgStoreUpkeep } from "@poststack/adapters-persistence"
import { TidyStore } from "@poststack/application"
import { Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"

interface TableStats {
  n_dead_tup: string
  vacuum_count: string
  analyze_count: string
}

/**
 * The worker's `store.upkeep` round does autovacuum's work on our tables when the server's
 * autovacuum is off, by autovacuum's own thresholds, and nothing when it is on (the suite's
 * PostgreSQL decides which of the two this run sees: CI's has it off, a throwaway one on).
 */
describe("store upkeep (PgStoreUpkeep)", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let runtime: ManagedRuntime.ManagedRuntime<Layer.Layer.Success<typeof PgStoreUpkeep.layer>, unknown>
  let autovacuum: boolean

  const stats = async (table: string) =>
    (
      await query<TableStats>(
        db.url,
        "SELECT n_dead_tup, vacuum_count, analyze_count FROM pg_stat_user_tables WHERE relname = $1",
        [table]
      )
    )[0]
  // Statistics reach the shared counters a moment after a backend's transaction ends.
  const until = async (check: () => Promise<boolean>) => {
    const deadline = Date.now() + 10_000
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error("statistics never caught up")
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    runtime = ManagedRuntime.make(
      PgStoreUpkeep.layer.pipe(Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 })))
    )
    autovacuum = (await query<{ autovacuum: string }>(db.url, "SHOW autovacuum"))[0]?.autovacuum === "on"
    await query(db.url, "CREATE TABLE upkeep_busy (id integer PRIMARY KEY, n integer NOT NULL)")
    await query(db.url, "CREATE TABLE upkeep_quiet (id integer PRIMARY KEY)")
    // About 3,000 dead versions in the busy table (page pruning takes a few), far past autovacuum's 50 + 20 % of its rows; ten
    // rows inserted into the quiet one, under every threshold.
    await query(db.url, "INSERT INTO upkeep_busy SELECT i, 0 FROM generate_series(1, 1000) i")
    for (let round = 0; round < 3; round++) await query(db.url, "UPDATE upkeep_busy SET n = n + 1")
    await query(db.url, "INSERT INTO upkeep_quiet SELECT i FROM generate_series(1, 10) i")
    await until(async () => Number((await stats("upkeep_busy"))?.n_dead_tup) >= 2000)
  }, 60_000)
  afterAll(async () => {
    await runtime.dispose()
    await db.drop()
  })

  it("sweeps the tables autovacuum would, only them, and nothing once they are swept", async () => {
    const done = await runtime.runPromise(TidyStore())
    if (autovacuum) {
      // The server sweeps by itself: the round leaves its tables to it.
      expect(done).toEqual([])
      return
    }
    expect(done).toContainEqual({ table: "upkeep_busy", vacuumed: true, analyzed: true })
    expect(done.map((t) => t.table)).not.toContain("upkeep_quiet")
    await until(async () => Number((await stats("upkeep_busy"))?.vacuum_count) === 1)
    const busy = await stats("upkeep_busy")
    expect(Number(busy?.n_dead_tup)).toBe(0)
    expect(Number(busy?.analyze_count)).toBe(1)
    expect(Number((await stats("upkeep_quiet"))?.vacuum_count)).toBe(0)
    // Swept, the table is under every threshold: the next round leaves it alone.
    const again = await runtime.runPromise(TidyStore())
    expect(again.map((t) => t.table)).not.toContain("upkeep_busy")
  })
})
