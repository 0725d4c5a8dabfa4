import { Effect } from "effect"
import { StoreUpkeep } from "../ports/StoreUpkeep.js"

/**
 * One round of the store's upkeep (see `StoreUpkeep`): on a PostgreSQL server with autovacuum
 * off, the tables it would have vacuumed or analyzed by now are, at its pace; with autovacuum on,
 * nothing. Answers the tables touched.
 */
export const TidyStore = Effect.fn("TidyStore")(function* () {
  const done = yield* (yield* StoreUpkeep).tidy
  if (done.length > 0)
    yield* Effect.logInfo("store upkeep").pipe(
      Effect.annotateLogs({
        vacuumed: done.filter((t) => t.vacuumed).map((t) => t.table),
        analyzed: done.filter((t) => t.analyzed).map((t) => t.table)
      })
    )
  return done
})
