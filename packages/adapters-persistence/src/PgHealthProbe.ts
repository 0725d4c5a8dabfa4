import { SqlClient } from "@effect/sql"
import { HealthProbe } from "@poststack/application"
import { Duration, Effect, Layer } from "effect"
import { migrations } from "./migrations/index.js"

const known = Object.keys(migrations).map((key) => Number(key.slice(0, 4)))

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // Every migration this code knows, not just one as new as its newest: numbers may land out of order.
  const applied = sql<{ n: number }>`
    SELECT count(*)::int AS n FROM effect_sql_migrations WHERE migration_id = ANY (${known})`.pipe(
    Effect.map((rows) => rows[0]?.n === known.length)
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
