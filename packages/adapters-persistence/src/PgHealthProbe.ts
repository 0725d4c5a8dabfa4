import { SqlClient } from "@effect/sql"
import { HealthProbe } from "@poststack/application"
import { Duration, Effect, Layer } from "effect"
import { latestMigrationId } from "./migrations/index.js"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const applied = sql<{ id: number | null }>`SELECT max(migration_id) AS id FROM effect_sql_migrations`.pipe(
    Effect.map((rows) => (rows[0]?.id ?? 0) >= latestMigrationId)
  )
  return HealthProbe.of({
    readiness: Effect.gen(function* () {
      const database = yield* sql`SELECT 1`.pipe(
        Effect.as(true),
        Effect.timeout(Duration.seconds(2)),
        Effect.orElseSucceed(() => false)
      )
      const migrations = database
        ? yield* applied.pipe(
            Effect.timeout(Duration.seconds(2)),
            Effect.orElseSucceed(() => false)
          )
        : false
      return { database, migrations }
    })
  })
})

export const layer = Layer.effect(HealthProbe, make)
