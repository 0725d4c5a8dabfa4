import type { SqlClient } from "@effect/sql"
import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { HealthProbe, TaskLock } from "@poststack/application"
import { Deferred, Effect, Fiber, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { migrations } from "@poststack/adapters-persistence"
import { createTestDatabase, query } from "../support/database.js"

describe("database", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  const runtimes: Array<
    ManagedRuntime.ManagedRuntime<SqlClient.SqlClient | TaskLock | HealthProbe, unknown>
  > = []
  const runtime = () => {
    const rt = ManagedRuntime.make(
      PgPersistence.pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 3 })))
    )
    runtimes.push(rt)
    return rt
  }
  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    await Promise.all(runtimes.map((rt) => rt.dispose()))
    await db.drop()
  })

  it("migrates forward once, whatever the number of processes", async () => {
    const [a, b] = [runtime(), runtime()]
    await Promise.all([a.runPromise(Effect.void), b.runPromise(Effect.void)])
    const applied = await query<{ migration_id: number }>(
      db.url,
      "SELECT migration_id FROM effect_sql_migrations"
    )
    expect(applied.map((r) => r.migration_id)).toEqual(
      Object.keys(migrations).map((id) => Number(id.slice(0, 4)))
    )
    const tables = await query<{ table_name: string }>(
      db.url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
    )
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(["api_keys", "dkim_keys", "domains", "effect_sql_migrations", "events", "teams"])
    )
  })

  it("reports readiness from the real database", async () => {
    const rt = runtime()
    const ready = await rt.runPromise(Effect.flatMap(HealthProbe, (p) => p.readiness))
    expect(ready).toEqual({ database: true, migrations: true })
    const [latest] = await query<{ migration_id: number; name: string }>(
      db.url,
      "DELETE FROM effect_sql_migrations WHERE migration_id = (SELECT max(migration_id) FROM effect_sql_migrations) RETURNING migration_id, name"
    )
    const behind = await rt.runPromise(Effect.flatMap(HealthProbe, (p) => p.readiness))
    expect(behind).toEqual({ database: true, migrations: false })
    await query(db.url, "INSERT INTO effect_sql_migrations (migration_id, name) VALUES ($1, $2)", [
      latest?.migration_id,
      latest?.name
    ])
    // A gap below the newest applied one is not ready either.
    const [first] = await query<{ migration_id: number; name: string }>(
      db.url,
      "DELETE FROM effect_sql_migrations WHERE migration_id = (SELECT min(migration_id) FROM effect_sql_migrations) RETURNING migration_id, name"
    )
    expect(await rt.runPromise(Effect.flatMap(HealthProbe, (p) => p.readiness))).toEqual({
      database: true,
      migrations: false
    })
    await query(db.url, "INSERT INTO effect_sql_migrations (migration_id, name) VALUES ($1, $2)", [
      first?.migration_id,
      first?.name
    ])
    expect(await rt.runPromise(Effect.flatMap(HealthProbe, (p) => p.readiness))).toEqual(ready)
  })

  it("lets one process at a time hold a task lock, and frees it when the task ends", async () => {
    const [a, b] = [runtime(), runtime()]
    const started = await a.runPromise(Deferred.make<void>())
    const release = await a.runPromise(Deferred.make<void>())
    const holder = a.runFork(
      Effect.flatMap(TaskLock, (lock) =>
        lock.withTryLock(
          "test-task",
          Deferred.succeed(started, undefined).pipe(
            Effect.zipRight(Deferred.await(release)),
            Effect.as("a ran")
          )
        )
      )
    )
    await a.runPromise(Deferred.await(started))
    const whileHeld = await b.runPromise(
      Effect.flatMap(TaskLock, (lock) => lock.withTryLock("test-task", Effect.succeed("b ran")))
    )
    expect(Option.isNone(whileHeld)).toBe(true)
    const other = await b.runPromise(
      Effect.flatMap(TaskLock, (lock) => lock.withTryLock("other-task", Effect.succeed("b ran")))
    )
    expect(other).toEqual(Option.some("b ran"))
    await a.runPromise(Deferred.succeed(release, undefined))
    expect(await a.runPromise(Fiber.join(holder))).toEqual(Option.some("a ran"))
    const afterwards = await b.runPromise(
      Effect.flatMap(TaskLock, (lock) => lock.withTryLock("test-task", Effect.succeed("b ran")))
    )
    expect(afterwards).toEqual(Option.some("b ran"))
  })

  it("frees a task lock when its task fails", async () => {
    const rt = runtime()
    const failed = await rt.runPromise(
      Effect.either(Effect.flatMap(TaskLock, (lock) => lock.withTryLock("failing-task", Effect.fail("boom"))))
    )
    expect(failed._tag).toBe("Left")
    const next = await rt.runPromise(
      Effect.flatMap(TaskLock, (lock) => lock.withTryLock("failing-task", Effect.succeed(1)))
    )
    expect(next).toEqual(Option.some(1))
  })
})
