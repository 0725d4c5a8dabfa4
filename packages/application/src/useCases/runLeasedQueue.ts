import { Duration, Effect, FiberSet, Queue, Stream } from "effect"

/**
 * A queue shared by any number of workers through leases: a claimed job is this worker's until its
 * lease ends, and comes back to the queue for another worker when the lease runs out (its worker
 * died). The adapter behind it owns the storage (`FOR UPDATE SKIP LOCKED`, an attempt count that
 * names the claim); the runner only decides when to claim, renew and hand back.
 */
export interface LeasedQueue<Job, E, R> {
  /** Up to `limit` due jobs, now leased to this worker for `leaseMs`. */
  readonly claim: (request: {
    readonly limit: number
    readonly leaseMs: number
  }) => Effect.Effect<ReadonlyArray<Job>, E, R>
  /**
   * Renews the lease of jobs this worker still holds (a job another worker has taken over since is
   * left alone), so that only a dead worker's jobs ever come back while they are being worked on.
   */
  readonly extend?: (jobs: ReadonlyArray<Job>, leaseMs: number) => Effect.Effect<void, E, R>
  /** Gives back jobs claimed but never started (the worker is stopping), due again at once. */
  readonly release?: (jobs: ReadonlyArray<Job>) => Effect.Effect<void, E, R>
}

export interface LeasedQueueOptions<R = never> {
  /** Names the queue in logs and spans. */
  readonly name: string
  /** Jobs processed at once. */
  readonly concurrency: number
  /**
   * Jobs claimed ahead of the free slots and held (their leases renewed) in a local buffer, so a
   * slot that frees starts its next job at once instead of after a claim's round trip. Default 0.
   */
  readonly prefetch?: number
  /** The most jobs one claim asks for. Default: `concurrency`. */
  readonly batch?: number
  /**
   * A claim waits until it can ask for at least this many (slots and buffer together), so that each
   * claim serves several jobs rather than the one that finished last. Default 1.
   */
  readonly minClaim?: number
  readonly leaseMs: number
  /** How often leases of held jobs are renewed. Default: a quarter of the lease. */
  readonly renewEvery?: Duration.DurationInput
  /**
   * How long a claim that came back short waits before asking again when nothing announces work:
   * the fallback for work that comes due by time (retries) and for missed notifications.
   */
  readonly idle: Duration.DurationInput
  /** Announcements of new work (a PostgreSQL NOTIFY, an in-process `Queue`): each wakes a waiting claim. */
  readonly wakeUps?: Stream.Stream<unknown, never, R>
  /**
   * A claim that came back short is asked again as soon as a job finishes too: for queues whose
   * claim caps what one key may hold (per endpoint, per destination), where a finished job frees
   * room that was there but not claimable. Default false.
   */
  readonly retryOnFinish?: boolean
}

/**
 * Runs a leased queue until interrupted: keeps up to `concurrency` jobs going (and `prefetch` more
 * claimed ahead), claims again when there is room, sleeps until work is announced (or `idle`
 * passes) when the queue has nothing due, and renews the leases of everything it holds.
 *
 * A failing job is logged and its slot freed: the job itself settles its outcome (or leaves it to
 * its lease). A failing claim is logged and tried again after `idle`; while leases could not be
 * renewed nothing new is claimed (this worker might claim again what it still works on).
 *
 * Interrupted, it claims nothing more, gives back the jobs it claimed but has not started (through
 * `release`; without it they are processed), lets the jobs in flight finish, and renews their
 * leases until they have.
 */
export const runLeasedQueue = <Job, E, R, R2, R3 = never>(
  queue: LeasedQueue<Job, E, R>,
  process: (job: Job) => Effect.Effect<void, unknown, R2>,
  options: LeasedQueueOptions<R3>
): Effect.Effect<never, never, R | R2 | R3> =>
  Effect.scoped(
    Effect.gen(function* () {
      const concurrency = Math.max(1, options.concurrency)
      const capacity = concurrency + Math.max(0, options.prefetch ?? 0)
      const batch = Math.max(1, options.batch ?? concurrency)
      const minClaim = Math.min(Math.max(1, options.minClaim ?? 1), batch, capacity)
      const idle = Duration.decode(options.idle)
      const { leaseMs, name } = options
      // Everything claimed and not yet finished: started or waiting in the buffer.
      const held = new Set<Job>()
      // Claimed and not started yet. The buffer alone cannot say: a job a `Queue.take` had already
      // handed to the starting fiber is lost with it when that fiber is interrupted before it runs.
      const unstarted = new Set<Job>()
      let lapsed = false

      const renew = Effect.suspend(() => {
        if (queue.extend === undefined || held.size === 0) return Effect.sync(() => (lapsed = false))
        return queue.extend([...held], leaseMs).pipe(
          Effect.matchCauseEffect({
            onSuccess: () => Effect.sync(() => (lapsed = false)),
            onFailure: (cause) =>
              Effect.zipRight(
                Effect.sync(() => (lapsed = true)),
                Effect.logWarning(`${name}: could not renew leases`, cause)
              )
          })
        )
      })
      // Started first, so it stops last: leases are renewed until the last job in flight is done.
      if (queue.extend !== undefined) {
        const every = options.renewEvery ?? Math.max(10, Math.floor(leaseMs / 4))
        yield* Effect.forkScoped(
          Effect.interruptible(Effect.forever(Effect.zipRight(Effect.sleep(every), renew)))
        )
      }

      const finished = yield* Queue.sliding<void>(1)
      const announced = yield* Queue.sliding<void>(1)
      if (options.wakeUps !== undefined) {
        yield* Effect.forkScoped(
          Effect.interruptible(Stream.runForEach(options.wakeUps, () => Queue.offer(announced, undefined)))
        )
      }

      const slots = yield* Effect.makeSemaphore(concurrency)
      // A job is not cut short when the worker stops: closing the set waits for it.
      const running = yield* FiberSet.make<void, never>()
      const buffer = yield* Queue.unbounded<Job>()
      const run = (job: Job) =>
        process(job).pipe(
          Effect.catchAllCause((cause) => Effect.logError(`${name}: job failed`, cause)),
          Effect.ensuring(
            Effect.zipRight(
              Effect.sync(() => held.delete(job)),
              Queue.offer(finished, undefined)
            )
          ),
          Effect.uninterruptible
        )

      // Closed before the jobs in flight are awaited: what was claimed but never started goes back.
      yield* Effect.addFinalizer(() =>
        Effect.gen(function* () {
          yield* Queue.takeAll(buffer)
          if (unstarted.size === 0) return
          const jobs = [...unstarted]
          unstarted.clear()
          if (queue.release === undefined) {
            yield* Effect.forEach(jobs, (job) => slots.withPermits(1)(run(job)), {
              concurrency,
              discard: true
            })
            return
          }
          yield* queue
            .release(jobs)
            .pipe(
              Effect.catchAllCause((cause) =>
                Effect.logWarning(`${name}: could not give back unstarted jobs; their leases will`, cause)
              )
            )
          for (const job of jobs) held.delete(job)
        })
      )

      // Starts buffered jobs as slots free; a job taken from the buffer always gets its fiber.
      // No generator function made per job or per claim (ARCHITECTURE.md, hot paths).
      yield* Effect.forkScoped(
        Effect.forever(
          Effect.uninterruptibleMask((restore) =>
            restore(slots.take(1)).pipe(
              Effect.zipRight(restore(Queue.take(buffer)).pipe(Effect.onInterrupt(() => slots.release(1)))),
              Effect.flatMap((job) => {
                unstarted.delete(job)
                return FiberSet.run(running, Effect.ensuring(run(job), slots.release(1)))
              })
            )
          )
        )
      )

      // Claimed jobs always reach the buffer: no interruption between the claim and the hand-over.
      const claimInto = Effect.fnUntraced(function* (limit: number) {
        const jobs = yield* queue.claim({ limit, leaseMs })
        for (const job of jobs) {
          held.add(job)
          unstarted.add(job)
        }
        yield* Queue.offerAll(buffer, jobs)
        return jobs.length
      })
      const claim = (limit: number) =>
        Effect.uninterruptible(claimInto(limit)).pipe(
          Effect.catchAllCause((cause) => Effect.as(Effect.logWarning(`${name}: claim failed`, cause), 0))
        )

      const shortClaimWait = Effect.timeoutOption(
        options.retryOnFinish === true
          ? Effect.race(Queue.take(announced), Queue.take(finished))
          : Queue.take(announced),
        idle
      )

      for (;;) {
        const room = capacity - held.size
        if (room < minClaim) {
          yield* Queue.take(finished)
          continue
        }
        if (lapsed) {
          yield* renew
          if (lapsed) {
            yield* Effect.sleep(idle)
            continue
          }
        }
        const limit = Math.min(batch, room)
        const claimed = yield* claim(limit)
        if (claimed < limit) yield* shortClaimWait
      }
    })
  ).pipe(Effect.annotateLogs("queue", options.name))
