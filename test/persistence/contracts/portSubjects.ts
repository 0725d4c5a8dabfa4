import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { type Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { createTestDatabase } from "../../support/database.js"

/** One implementation of some ports under a contract suite: the memory twins or PostgreSQL. */
export interface PortSubject<Ports> {
  readonly run: <A, E>(effect: Effect.Effect<A, E, Ports>) => Promise<A>
  readonly close: () => Promise<void>
}

/** The memory twins in `memoryLayer`, as a subject. */
export const memorySubject =
  <Ports>(memoryLayer: Layer.Layer<Ports>) =>
  async (): Promise<PortSubject<Ports>> => {
    const runtime = ManagedRuntime.make(memoryLayer)
    return { run: (effect) => runtime.runPromise(effect), close: () => runtime.dispose() }
  }

/** The PostgreSQL adapters, on a database of the test's own, as a subject. */
export const postgresSubject = async (): Promise<
  PortSubject<
    Layer.Layer.Success<typeof PgPersistence> | Layer.Layer.Success<ReturnType<typeof PgDatabase.layer>>
  >
> => {
  const db = await createTestDatabase()
  const runtime = ManagedRuntime.make(
    PgPersistence.pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 })))
  )
  return {
    run: (effect) => runtime.runPromise(effect),
    close: async () => {
      await runtime.dispose()
      await db.drop()
    }
  }
}
