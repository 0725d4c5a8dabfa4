import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** A cluster-wide lock, so that a periodic task runs in one worker at a time. */
export class TaskLock extends Context.Tag("@poststack/application/TaskLock")<
  TaskLock,
  {
    /** Runs `effect` holding the named lock, or returns `None` at once when another process holds it. */
    readonly withTryLock: <A, E, R>(
      name: string,
      effect: Effect.Effect<A, E, R>
    ) => Effect.Effect<Option.Option<A>, E | StoreUnavailable, R>
  }
>() {}
