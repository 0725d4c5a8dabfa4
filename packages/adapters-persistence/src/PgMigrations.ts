import { Migrator, SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { migrations } from "./migrations/index.js"

const MIGRATIONS_LOCK = 7_340_001

/**
 * Applies pending migrations. Several processes may start at once: an advisory lock lets one
 * migrate while the others wait, then find nothing left to do.
 */
export const migrate = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const run = Migrator.make({})({ loader: Migrator.fromRecord(migrations) })
  return yield* Effect.acquireUseRelease(
    Effect.gen(function* () {
      const conn = yield* sql.reserve
      yield* conn.execute(`SELECT pg_advisory_lock(${MIGRATIONS_LOCK})`, [], undefined)
      return conn
    }),
    () => run,
    (conn) => conn.execute(`SELECT pg_advisory_unlock(${MIGRATIONS_LOCK})`, [], undefined).pipe(Effect.ignore)
  ).pipe(
    Effect.scoped,
    Effect.tap((applied) =>
      applied.length > 0
        ? Effect.logInfo("migrations applied").pipe(
            Effect.annotateLogs(
              "migrations",
              applied.map(([id, name]) => `${id}_${name}`)
            )
          )
        : Effect.void
    ),
    Effect.withSpan("Persistence.migrate")
  )
})
