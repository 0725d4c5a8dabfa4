import { Duration, Effect, Schedule } from "effect"
import { TaskLock } from "../ports/TaskLock.js"

export interface PeriodicTask<E, R> {
  readonly name: string
  readonly every: Duration.DurationInput
  readonly run: Effect.Effect<void, E, R>
}

/**
 * Runs a task forever, every `every`, in at most one process of the cluster at a time: a process
 * that finds the lock taken skips that round. A failing round is logged and does not stop the loop.
 */
export const runPeriodically = <E, R>(task: PeriodicTask<E, R>) =>
  Effect.gen(function* () {
    const lock = yield* TaskLock
    const round = lock.withTryLock(`periodic:${task.name}`, task.run).pipe(
      Effect.catchAllCause((cause) => Effect.logError(`periodic task ${task.name} failed`, cause)),
      Effect.withSpan(`PeriodicTask.${task.name}`)
    )
    return yield* Effect.repeat(round, Schedule.spaced(Duration.decode(task.every)))
  })
