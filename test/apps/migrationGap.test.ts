import { PgDatabase } from "@poststack/adapters-persistence"
import { Effect, ManagedRuntime, Redacted } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"
import { TEST_ENCRYPTION_KEY } from "../support/server.js"
import { freePort, launch, type Running } from "./processes.js"

const started: Array<Running> = []
afterAll(async () => {
  for (const p of started) await p.stop("SIGKILL")
})

describe("a database that skipped a migration", () => {
  it("stops the server naming the migration, and the CLI applies it when told to", async () => {
    const db = await createTestDatabase()
    try {
      const current = ManagedRuntime.make(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 }))
      await current.runPromise(Effect.void)
      await current.dispose()
      // A build with a later migration ran first; 0013 (which only replaces functions, so it can
      // run again) is the one the database never got.
      await query(db.url, "DELETE FROM effect_sql_migrations WHERE migration_id = 13")
      await query(
        db.url,
        "INSERT INTO effect_sql_migrations (migration_id, name) VALUES (9000, 'from_a_later_build')"
      )
      const applied = () =>
        query<{ migration_id: number }>(
          db.url,
          "SELECT migration_id FROM effect_sql_migrations ORDER BY 1"
        ).then((rows) => rows.map((r) => r.migration_id))
      const env = {
        DATABASE_URL: db.url,
        POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        POSTSTACK_RUN_WORKER: "false",
        POSTSTACK_HOST: "127.0.0.1",
        PORT: String(await freePort())
      }

      const server = launch("apps/server/src/main.ts", env)
      started.push(server)
      expect(await server.exited).not.toBe(0)
      expect(server.output()).toContain("0013_record_deliveries_set_based")
      expect(server.output()).toContain("but 9000_from_a_later_build, a later one, is")
      expect(server.output()).toContain("POSTSTACK_MIGRATIONS_APPLY_MISSING=true")
      expect(await applied()).not.toContain(13)

      const cli = launch("apps/server/src/cli.ts", { ...env, POSTSTACK_MIGRATIONS_APPLY_MISSING: "true" }, [
        "migrate"
      ])
      started.push(cli)
      expect(await cli.exited, cli.output()).toBe(0)
      expect(await applied()).toContain(13)
    } finally {
      await db.drop()
    }
  }, 90_000)
})
