import { describe, expect, it } from "@effect/vitest"
import { type LeasedQueue, runLeasedQueue } from "@poststack/application"
import { Clock, Effect, Fiber, Queue, Stream, TestClock } from "effect"

/** A claim names its job and the attempt it is, as the real queues do. */
interface Claim {
  readonly id: number
  readonly attempt: number
}

interface Row {
  status: "pending" | "leased" | "done"
  leaseUntil: number
  attempts: number
}

/**
 * The test's own leased queue, in memory: a job is claimable when pending or when its lease ran out;
 * renewing or finishing a claim counts only while that claim (its attempt) still holds the job.
 */
const memoryQueue = (initial: number) => {
  const rows = new Map<number, Row>()
  const add = (n: number) => {
    const first = rows.size + 1
    for (let id = first; id < first + n; id++) rows.set(id, { status: "pending", leaseUntil: 0, attempts: 0 })
  }
  add(initial)
  const holds = (job: Claim) => {
    const row = rows.get(job.id)
    return row !== undefined && row.status === "leased" && row.attempts === job.attempt
  }
  const claims: Array<number> = []
  const queue: LeasedQueue<Claim, never, never> = {
    claim: ({ limit, leaseMs }) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        claims.push(limit)
        const taken: Array<Claim> = []
        for (const [id, row] of rows) {
          if (taken.length >= limit) break
          const free = row.status === "pending" || (row.status === "leased" && row.leaseUntil <= now)
          if (!free) continue
          row.status = "leased"
          row.attempts++
          row.leaseUntil = now + leaseMs
          taken.push({ id, attempt: row.attempts })
        }
        return taken
      }),
    extend: (jobs, leaseMs) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        for (const job of jobs) {
          const row = rows.get(job.id)
          if (row !== undefined && holds(job)) row.leaseUntil = now + leaseMs
        }
      }),
    release: (jobs) =>
      Effect.sync(() => {
        for (const job of jobs) {
          const row = rows.get(job.id)
          if (row === undefined || !holds(job)) continue
          row.status = "pending"
          row.attempts--
          row.leaseUntil = 0
        }
      })
  }
  const complete = (job: Claim) =>
    Effect.sync(() => {
      const row = rows.get(job.id)
      if (row !== undefined && holds(job)) row.status = "done"
    })
  const count = (status: Row["status"]) => [...rows.values()].filter((r) => r.status === status).length
  return { queue, rows, add, complete, count, claims }
}

/** Lets every forked fiber run as far as it can without the clock moving. */
const settle = Effect.repeatN(Effect.yieldNow(), 200)

/** Moves the test clock in steps, letting fibers run between them. */
const advance = (ms: number, step = 50) =>
  Effect.gen(function* () {
    for (let t = 0; t < ms; t += step) {
      yield* TestClock.adjust(step)
      yield* settle
    }
  })

describe("runLeasedQueue", () => {
  it.effect("never runs more jobs at once than its concurrency, and runs each job once", () =>
    Effect.gen(function* () {
      const mem = memoryQueue(20)
      let inFlight = 0
      let most = 0
      const runs = new Map<number, number>()
      const runner = yield* Effect.fork(
        runLeasedQueue(
          mem.queue,
          (job) =>
            Effect.gen(function* () {
              inFlight++
              most = Math.max(most, inFlight)
              runs.set(job.id, (runs.get(job.id) ?? 0) + 1)
              yield* Effect.sleep("100 millis")
              inFlight--
              yield* mem.complete(job)
            }),
          { name: "test", concurrency: 3, prefetch: 2, leaseMs: 10_000, idle: "1 second" }
        )
      )
      yield* settle
      expect(inFlight).toBe(3)
      // Claimed ahead: the three running and two in the buffer.
      expect(mem.count("leased")).toBe(5)
      yield* advance(1_000)
      expect(mem.count("done")).toBe(20)
      expect(most).toBe(3)
      expect([...runs.values()].every((n) => n === 1)).toBe(true)
      expect(runs.size).toBe(20)
      yield* Fiber.interrupt(runner)
    })
  )

  it.effect("renews the lease of a long job, so another worker never takes it while it runs", () =>
    Effect.gen(function* () {
      const mem = memoryQueue(1)
      const starts: Array<string> = []
      const worker = (name: string) =>
        runLeasedQueue(
          mem.queue,
          (job) =>
            Effect.gen(function* () {
              starts.push(`${name}:${job.id}`)
              yield* Effect.sleep("5 seconds")
              yield* mem.complete(job)
            }),
          { name, concurrency: 1, leaseMs: 1_000, idle: "100 millis" }
        )
      const a = yield* Effect.fork(worker("a"))
      yield* settle
      const b = yield* Effect.fork(worker("b"))
      yield* advance(6_000, 100)
      expect(starts).toEqual(["a:1"])
      expect(mem.rows.get(1)).toMatchObject({ status: "done", attempts: 1 })
      yield* Fiber.interrupt(a)
      yield* Fiber.interrupt(b)
    })
  )

  it.effect("a dead worker's job comes back when its lease runs out", () =>
    Effect.gen(function* () {
      const mem = memoryQueue(1)
      // A worker that claimed the job and died: nobody renews it.
      yield* mem.queue.claim({ limit: 1, leaseMs: 1_000 })
      const done: Array<number> = []
      const runner = yield* Effect.fork(
        runLeasedQueue(
          mem.queue,
          (job) =>
            Effect.zipRight(
              mem.complete(job),
              Effect.sync(() => done.push(job.attempt))
            ),
          {
            name: "test",
            concurrency: 1,
            leaseMs: 1_000,
            idle: "100 millis"
          }
        )
      )
      yield* advance(900)
      expect(done).toEqual([])
      yield* advance(300)
      expect(done).toEqual([2])
      yield* Fiber.interrupt(runner)
    })
  )

  it.effect("sleeps while the queue is empty and claims at once when work is announced", () =>
    Effect.gen(function* () {
      const mem = memoryQueue(0)
      const wake = yield* Queue.unbounded<void>()
      const done: Array<number> = []
      const runner = yield* Effect.fork(
        runLeasedQueue(
          mem.queue,
          (job) =>
            Effect.zipRight(
              mem.complete(job),
              Effect.sync(() => done.push(job.id))
            ),
          {
            name: "test",
            concurrency: 4,
            leaseMs: 10_000,
            idle: "1 hour",
            renewEvery: "20 minutes",
            wakeUps: Stream.fromQueue(wake)
          }
        )
      )
      yield* settle
      const claimsWhenIdle = mem.claims.length
      mem.add(3)
      yield* advance(1_000)
      // Nothing announced it and the idle pause is long: no claim, nothing done.
      expect(done).toEqual([])
      expect(mem.claims.length).toBe(claimsWhenIdle)
      yield* Queue.offer(wake, undefined)
      yield* settle
      expect(done).toEqual([1, 2, 3])
      // Without an announcement the idle pause still finds work (retries coming due).
      mem.add(1)
      yield* advance(1_000)
      expect(done).toEqual([1, 2, 3])
      yield* TestClock.adjust("1 hour")
      yield* settle
      expect(done).toEqual([1, 2, 3, 4])
      yield* Fiber.interrupt(runner)
    })
  )

  it.effect("claims again when a job finishes, for queues that cap what one key may hold", () =>
    Effect.gen(function* () {
      const mem = memoryQueue(0)
      const done: Array<number> = []
      const runner = yield* Effect.fork(
        runLeasedQueue(
          mem.queue,
          (job) =>
            Effect.gen(function* () {
              yield* Effect.sleep("100 millis")
              yield* mem.complete(job)
              done.push(job.id)
            }),
          {
            name: "test",
            concurrency: 4,
            leaseMs: 10_000,
            idle: "1 hour",
            renewEvery: "20 minutes",
            retryOnFinish: true
          }
        )
      )
      yield* settle
      mem.add(2)
      yield* TestClock.adjust("1 hour")
      yield* settle
      mem.add(1)
      yield* advance(100)
      // The finished jobs woke the claim, which found the third.
      yield* advance(100)
      expect([...done].sort()).toEqual([1, 2, 3])
      yield* Fiber.interrupt(runner)
    })
  )

  it.effect("a failing job frees its slot; the others go on", () =>
    Effect.gen(function* () {
      const mem = memoryQueue(3)
      const done: Array<number> = []
      const runner = yield* Effect.fork(
        runLeasedQueue(
          mem.queue,
          (job) =>
            job.id === 1
              ? Effect.die("boom")
              : Effect.zipRight(
                  mem.complete(job),
                  Effect.sync(() => done.push(job.id))
                ),
          { name: "test", concurrency: 1, leaseMs: 10_000, idle: "1 hour" }
        )
      )
      yield* settle
      expect(done).toEqual([2, 3])
      yield* Fiber.interrupt(runner)
    })
  )

  it.effect("interrupted, it claims nothing more, finishes the jobs in flight and gives back the rest", () =>
    Effect.gen(function* () {
      const mem = memoryQueue(10)
      const finished: Array<number> = []
      const runner = yield* Effect.fork(
        runLeasedQueue(
          mem.queue,
          (job) =>
            Effect.gen(function* () {
              yield* Effect.sleep("1 second")
              yield* mem.complete(job)
              finished.push(job.id)
            }),
          { name: "test", concurrency: 2, prefetch: 2, leaseMs: 4_000, idle: "100 millis" }
        )
      )
      yield* settle
      expect(mem.count("leased")).toBe(4)
      const stopping = yield* Effect.fork(Fiber.interrupt(runner))
      yield* settle
      // Still waiting for the two jobs in flight; the two it had not started are back already.
      expect(stopping.unsafePoll()).toBeNull()
      expect(mem.count("leased")).toBe(2)
      yield* advance(1_000)
      yield* Fiber.join(stopping)
      expect([...finished].sort()).toEqual([1, 2])
      expect(mem.count("leased")).toBe(0)
      expect(mem.count("pending")).toBe(8)
      // Given back as never tried.
      expect(mem.rows.get(3)).toMatchObject({ status: "pending", attempts: 0 })
      const claimsAtStop = mem.claims.length
      yield* advance(1_000)
      expect(mem.claims.length).toBe(claimsAtStop)
    })
  )

  it.effect("without a release, the jobs it claimed ahead are done before it stops", () =>
    Effect.gen(function* () {
      const mem = memoryQueue(4)
      const { release: _, ...noRelease } = mem.queue
      const finished: Array<number> = []
      const runner = yield* Effect.fork(
        runLeasedQueue(
          noRelease,
          (job) =>
            Effect.gen(function* () {
              yield* Effect.sleep("1 second")
              yield* mem.complete(job)
              finished.push(job.id)
            }),
          { name: "test", concurrency: 2, prefetch: 2, leaseMs: 4_000, idle: "100 millis" }
        )
      )
      yield* settle
      const stopping = yield* Effect.fork(Fiber.interrupt(runner))
      yield* advance(2_000)
      yield* Fiber.join(stopping)
      expect(finished.sort()).toEqual([1, 2, 3, 4])
    })
  )

  it.effect("claims nothing new while the leases it holds could not be renewed", () =>
    Effect.gen(function* () {
      const mem = memoryQueue(1)
      let storeDown = false
      const flaky: LeasedQueue<Claim, string, never> = {
        claim: (r) => (storeDown ? Effect.fail("down") : mem.queue.claim(r)),
        extend: (jobs, leaseMs) =>
          storeDown ? Effect.fail("down") : (mem.queue.extend?.(jobs, leaseMs) ?? Effect.void)
      }
      const started: Array<number> = []
      const runner = yield* Effect.fork(
        runLeasedQueue(
          flaky,
          (job) =>
            Effect.gen(function* () {
              started.push(job.id)
              yield* Effect.sleep(job.id === 1 ? "10 seconds" : "10 millis")
              yield* mem.complete(job)
            }),
          { name: "test", concurrency: 2, batch: 1, leaseMs: 1_000, idle: "100 millis" }
        )
      )
      yield* settle
      expect(started).toEqual([1])
      // The store goes away for longer than a lease, then claims work again before renewals do.
      storeDown = true
      mem.add(1)
      yield* advance(1_500)
      storeDown = false
      const renewed = mem.rows.get(1)?.leaseUntil ?? 0
      yield* advance(150)
      // Job 1's lease ran out while the store was away; the runner renewed before claiming, so
      // it did not claim job 1 again (it still runs it) and job 2 went out once.
      expect(started).toEqual([1, 2])
      expect(mem.rows.get(1)?.leaseUntil ?? 0).toBeGreaterThan(renewed)
      expect(mem.rows.get(1)?.attempts).toBe(1)
      const stopping = yield* Effect.fork(Fiber.interrupt(runner))
      yield* advance(10_000, 500)
      yield* Fiber.join(stopping)
      expect(mem.rows.get(1)).toMatchObject({ status: "done", attempts: 1 })
    })
  )
})
