import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** A cluster-wide lock and schedule, so that a periodic task runs once per interval across all workers. */
export class TaskLock extends Context.Tag("@poststack/application/TaskLock")<
  TaskLock,
  {
    /** Runs `effect` holding the named lock, or returns `None` at once when another process holds it. */
    readonly withTryLock: <A, E, R>(
      name: string,
      effect: Effect.Effect<A, E, R>
    ) => Effect.Effect<Option.Option<A>, E | StoreUnavailable, R>
    /**
     * Records a round of the named task as started now, if the last one started at least
     * `everyMs` ago. True means this process should run the round.
     */
    readonly claimRound: (name: string, everyMs: number) => Effect.Effect<boolean, StoreUnavailable>
  }
>() {}
