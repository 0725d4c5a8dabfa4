import { VerifyDomainLocally } from "@poststack/application"
import type { DomainRef, TeamId } from "@poststack/domain"
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

/** Adds a sending domain through the API and marks it verified as `domains verify-local` does. */
export const localDomain = async (
  runtime: OperatorRuntime,
  baseUrl: string,
  key: string,
  teamId: TeamId,
  name: string
) => {
  const res = await fetch(`${baseUrl}/domains`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name })
  })
  const { domain } = (await res.json()) as { domain: { id: number } }
  await run(runtime, VerifyDomainLocally(teamId, { _tag: "Numeric", id: domain.id } as DomainRef))
}
