import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { PgMigrations } from "@poststack/adapters-persistence"
import { Effect, Either, ManagedRuntime, Redacted } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"

/** A migration that creates one table named after it, so the test sees which ones ran. */
const creates = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE ${sql(table)} (id integer)`)

const known = (...keys: ReadonlyArray<string>) =>
  Object.fromEntries(keys.map((key) => [key, creates(`t_${key}`)]))

describe("migration order", () => {
  const dbs: Array<Awaited<ReturnType<typeof createTestDatabase>>> = []
  const runtimes: Array<ManagedRuntime.ManagedRuntime<SqlClient.SqlClient, unknown>> = []
  const database = async () => {
    const db = await createTestDatabase()
    dbs.push(db)
    const runtime = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(db.url), maxConnections: 2 }))
    runtimes.push(runtime)
    const migrate = (migrations: ReturnType<typeof known>, applyMissing = false) =>
      runtime.runPromise(Effect.either(PgMigrations.migrateWith(migrations, { applyMissing })))
    const tables = async () =>
      (
        await query<{ table_name: string }>(
          db.url,
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 't\\_%' ORDER BY 1"
        )
      ).map((t) => t.table_name)
    const applied = async () =>
      (
        await query<{ migration_id: number; name: string }>(
          db.url,
          "SELECT migration_id, name FROM effect_sql_migrations ORDER BY migration_id"
        )
      ).map((r) => `${r.migration_id}:${r.name}`)
    return { migrate, tables, applied }
  }
  afterAll(async () => {
    await Promise.all(runtimes.map((r) => r.dispose()))
    await Promise.all(dbs.map((db) => db.drop()))
  })

  it("applies numbers with gaps in order, and later ones above the newest applied", async () => {
    const db = await database()
    expect(await db.migrate(known("0001_a", "0003_c"))).toEqual(Either.right(["0001_a", "0003_c"]))
    // Nothing is missing below 0003: 0007 is simply the next one.
    expect(await db.migrate(known("0001_a", "0003_c", "0007_g"))).toEqual(Either.right(["0007_g"]))
    expect(await db.migrate(known("0001_a", "0003_c", "0007_g"))).toEqual(Either.right([]))
    expect(await db.tables()).toEqual(["t_0001_a", "t_0003_c", "t_0007_g"])
    expect(await db.applied()).toEqual(["1:a", "3:c", "7:g"])
  })

  it("refuses, changing nothing, when a known migration below the newest applied one is missing", async () => {
    const db = await database()
    await db.migrate(known("0001_a", "0003_c"))
    // 0002 landed after a build with 0003 had migrated this database; 0004 is new as well.
    const refused = await db.migrate(known("0001_a", "0002_b", "0003_c", "0004_d"))
    if (Either.isRight(refused)) throw new Error("a missing migration was skipped")
    expect(refused.left).toBeInstanceOf(PgMigrations.MigrationsMissing)
    expect(refused.left.message).toContain("migration 0002_b is not applied, but 0003_c, a later one, is")
    expect(refused.left.message).toContain("POSTSTACK_MIGRATIONS_APPLY_MISSING=true")
    expect(await db.tables()).toEqual(["t_0001_a", "t_0003_c"])
    expect(await db.applied()).toEqual(["1:a", "3:c"])
    // Refused again on the next start: the gap is never papered over.
    expect(Either.isLeft(await db.migrate(known("0001_a", "0002_b", "0003_c", "0004_d")))).toBe(true)
  })

  it("applies the missing ones first, then the rest, when told to", async () => {
    const db = await database()
    await db.migrate(known("0001_a", "0005_e"))
    const all = known("0001_a", "0002_b", "0003_c", "0005_e", "0006_f")
    expect(await db.migrate(all, true)).toEqual(Either.right(["0002_b", "0003_c", "0006_f"]))
    expect(await db.tables()).toEqual(["t_0001_a", "t_0002_b", "t_0003_c", "t_0005_e", "t_0006_f"])
    expect(await db.applied()).toEqual(["1:a", "2:b", "3:c", "5:e", "6:f"])
    expect(await db.migrate(all)).toEqual(Either.right([]))
  })

  it("names every missing migration, and ignores ones the code does not know", async () => {
    const db = await database()
    await db.migrate(known("0001_a", "0004_d", "0009_i"))
    const refused = await db.migrate(known("0001_a", "0002_b", "0003_c", "0004_d"))
    if (Either.isRight(refused)) throw new Error("missing migrations were skipped")
    expect(refused.left.message).toContain(
      "migrations 0002_b, 0003_c are not applied, but 0009_i, a later one, is"
    )
  })
})
