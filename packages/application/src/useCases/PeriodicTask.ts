import { Duration, Effect, Schedule } from "effect"
import { TaskLock } from "../ports/TaskLock.js"

export interface PeriodicTask<E, R> {
  readonly name: string
  readonly every: Duration.DurationInput
  readonly run: Effect.Effect<void, E, R>
  /**
   * A job that runs until interrupted and settles its own work in flight when it is; other jobs'
   * rounds are made uninterruptible instead.
   */
  readonly drainsItself?: boolean
}

/**
 * Runs a task once per `every` across the whole cluster: each worker wakes up every `every`, and
 * the one that holds the lock and finds the last round old enough runs it. A failing round is
 * logged and does not stop the loop. Tasks given the same `gate` run one at a time in this
 * process: a round holds a connection for its lock while it runs, so tasks starting together
 * could otherwise take every connection of a small pool for locks and wait forever for one more.
 */
export const runPeriodically = <E, R>(task: PeriodicTask<E, R>, gate?: Effect.Semaphore) =>
  Effect.gen(function* () {
    const lock = yield* TaskLock
    const everyMs = Duration.toMillis(Duration.decode(task.every))
    const claimed = Effect.flatMap(lock.claimRound(task.name, everyMs), (due) =>
      due ? task.run : Effect.void
    )
    const locked = lock.withTryLock(`periodic:${task.name}`, claimed)
    const round = (gate === undefined ? locked : gate.withPermits(1)(locked)).pipe(
      Effect.catchAllCause((cause) => Effect.logError(`periodic task ${task.name} failed`, cause)),
      Effect.withSpan(`PeriodicTask.${task.name}`)
    )
    return yield* Effect.repeat(round, Schedule.spaced(Duration.decode(task.every)))
  })

/**
 * Runs a job in every worker, again and again with `every` between rounds: for queues shared
 * through `FOR UPDATE SKIP LOCKED`, where more workers mean more throughput. A failing round is
 * logged and the loop goes on.
 */
export const runContinuously = <E, R>(job: PeriodicTask<E, R>) =>
  Effect.repeat(
    job.run.pipe(
      // A round runs to its end even when the worker is told to stop: what it claimed is settled,
      // not left to a lease (and a possible second copy) after a graceful shutdown.
      job.drainsItself === true ? (run) => run : Effect.uninterruptible,
      Effect.catchAllCause((cause) => Effect.logError(`job ${job.name} failed`, cause)),
      Effect.withSpan(`Job.${job.name}`)
    ),
    Schedule.spaced(Duration.decode(job.every))
  )
