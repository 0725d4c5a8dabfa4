import { SqlClient } from "@effect/sql"
import { TaskLock } from "@poststack/application"
import { Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

/**
 * Session-level advisory locks on a reserved connection: the lock lives exactly as long as the
 * connection, so a worker that dies mid-task releases it with its connection.
 */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return TaskLock.of({
    withTryLock: (name, effect) =>
      Effect.scoped(
        Effect.gen(function* () {
          const conn = yield* unavailable(sql.reserve)
          const rows = yield* unavailable(
            conn.execute("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [name], undefined)
          )
          const locked = (rows as ReadonlyArray<{ locked: boolean }>)[0]?.locked === true
          if (!locked) return Option.none()
          return yield* effect.pipe(
            Effect.map(Option.some),
            Effect.ensuring(
              conn.execute("SELECT pg_advisory_unlock(hashtext($1))", [name], undefined).pipe(Effect.ignore)
            )
          )
        })
      ),
    claimRound: (name, everyMs) =>
      sql<{ name: string }>`
        INSERT INTO periodic_task_runs (name, last_run_at) VALUES (${name}, now())
        ON CONFLICT (name) DO UPDATE SET last_run_at = now()
          WHERE periodic_task_runs.last_run_at <= now() - make_interval(secs => ${everyMs / 1000})
        RETURNING name`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      )
  })
})

export const layer = Layer.effect(TaskLock, make)
