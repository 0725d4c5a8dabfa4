import { Context, type Effect } from "effect"

export interface Readiness {
  readonly database: boolean
  readonly migrations: boolean
}

/** Tells whether the process can serve: the database answers and its schema is current. */
export class HealthProbe extends Context.Tag("@poststack/application/HealthProbe")<
  HealthProbe,
  { readonly readiness: Effect.Effect<Readiness> }
>() {}
