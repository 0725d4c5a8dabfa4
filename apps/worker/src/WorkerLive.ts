import { type PeriodicTask, runPeriodically, type TaskLock } from "@poststack/application"
import { Effect, Layer } from "effect"

/** Starts every periodic task in the background of the layer's scope; closing the scope stops them. */
export const layer = <R>(
  tasks: ReadonlyArray<PeriodicTask<unknown, R>>
): Layer.Layer<never, never, R | TaskLock> =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      for (const task of tasks) yield* Effect.forkScoped(runPeriodically(task))
      yield* Effect.logInfo("worker started").pipe(
        Effect.annotateLogs(
          "periodicTasks",
          tasks.map((t) => t.name)
        )
      )
      yield* Effect.addFinalizer(() => Effect.logInfo("worker stopping"))
    })
  )
