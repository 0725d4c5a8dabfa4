import type { SqlError } from "@effect/sql/SqlError"
import { StoreUnavailable } from "@poststack/application"
import { Effect } from "effect"

/** Turns a driver failure into the port's retryable error; the driver's message (which may name hosts) is logged, not returned. */
export const unavailable = <A, R>(
  effect: Effect.Effect<A, SqlError, R>
): Effect.Effect<A, StoreUnavailable, R> =>
  Effect.catchTag(effect, "SqlError", (error) =>
    Effect.logWarning("database unavailable")
      .pipe(Effect.annotateLogs("reason", error.message))
      .pipe(Effect.zipRight(Effect.fail(new StoreUnavailable({ message: "The database is unavailable" }))))
  )
