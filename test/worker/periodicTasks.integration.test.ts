import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import type { PeriodicTask } from "@poststack/application"
import { WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"

describe("periodic tasks", () => {
  it("run in one of several workers at a time, and keep running after a failed round", async () => {
    const db = await createTestDatabase()
    const running = { now: 0, max: 0, rounds: 0, failures: 0 }
    const task: PeriodicTask<string, never> = {
      name: "probe",
      every: "20 millis",
      run: Effect.gen(function* () {
        running.now++
        running.max = Math.max(running.max, running.now)
        running.rounds++
        yield* Effect.sleep("60 millis")
        running.now--
        if (running.rounds % 3 === 0) {
          running.failures++
          return yield* Effect.fail("a failing round")
        }
      })
    }
    const workers = Array.from({ length: 3 }, () =>
      ManagedRuntime.make(
        WorkerLive.layer([task]).pipe(
          Layer.provide(PgPersistence),
          Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 }))
        )
      )
    )
    try {
      await Promise.all(workers.map((w) => w.runPromise(Effect.void)))
      await new Promise((r) => setTimeout(r, 1500))
      expect(running.max).toBe(1)
      expect(running.rounds).toBeGreaterThan(5)
      expect(running.failures).toBeGreaterThan(0)
    } finally {
      await Promise.all(workers.map((w) => w.dispose()))
      await db.drop()
    }
    const afterStop = running.rounds
    await new Promise((r) => setTimeout(r, 200))
    expect(running.rounds).toBe(afterStop)
  })

  it("run once per interval across the cluster, not once per worker", async () => {
    const db = await createTestDatabase()
    let rounds = 0
    const task: PeriodicTask<never, never> = {
      name: "hourly-ish",
      every: "1 second",
      run: Effect.sync(() => rounds++)
    }
    const workers = Array.from({ length: 3 }, () =>
      ManagedRuntime.make(
        WorkerLive.layer([task]).pipe(
          Layer.provide(PgPersistence),
          Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 }))
        )
      )
    )
    try {
      await Promise.all(workers.map((w) => w.runPromise(Effect.void)))
      await new Promise((r) => setTimeout(r, 2600))
      // Three workers over 2.6 s of a 1 s task: three rounds at most (at 0, 1 and 2 s), never nine.
      expect(rounds).toBeGreaterThanOrEqual(2)
      expect(rounds).toBeLessThanOrEqual(3)
    } finally {
      await Promise.all(workers.map((w) => w.dispose()))
      await db.drop()
    }
  })
})
