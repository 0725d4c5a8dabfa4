import { type PeriodicTask, runContinuously, runPeriodically, type TaskLock } from "@poststack/application"
import { Effect, Layer } from "effect"

/**
 * Starts every periodic task (once per interval across the cluster) and every job (in every
 * worker) in the background of the layer's scope; closing the scope stops them.
 */
export const layer = <E, R, E2 = never, R2 = never>(
  tasks: ReadonlyArray<PeriodicTask<E, R>>,
  jobs: ReadonlyArray<PeriodicTask<E2, R2>> = []
): Layer.Layer<never, never, R | R2 | TaskLock> =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      // One periodic task at a time per worker: each holds a pooled connection for its lock.
      const gate = yield* Effect.makeSemaphore(1)
      for (const task of tasks) yield* Effect.forkScoped(runPeriodically(task, gate))
      for (const job of jobs) yield* Effect.forkScoped(runContinuously(job))
      yield* Effect.logInfo("worker started").pipe(
        Effect.annotateLogs({ periodicTasks: tasks.map((t) => t.name), jobs: jobs.map((j) => j.name) })
      )
      yield* Effect.addFinalizer(() => Effect.logInfo("worker stopping"))
    })
  )
