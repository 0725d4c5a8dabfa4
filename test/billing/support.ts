import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { type Effect, Layer, ManagedRuntime, Redacted } from "effect"

/** Runs use cases and ports straight against a test database, as the CLI does. */
export const operatorRuntime = (databaseUrl: string) =>
  ManagedRuntime.make(
    PgPersistence.pipe(
      Layer.provideMerge(PgDatabase.layer(Redacted.make(databaseUrl), { maxConnections: 2 }))
    )
  )

export type OperatorRuntime = ReturnType<typeof operatorRuntime>

export const run = <A, E>(
  runtime: OperatorRuntime,
  effect: Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Context<OperatorRuntime>>
) => runtime.runPromise(effect)
