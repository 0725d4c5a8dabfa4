import { Deferred, Effect, Fiber } from "effect"
import { describe, expect, it } from "vitest"
import { groupCommit } from "../../packages/adapters-persistence/src/GroupCommit.js"

/** A store whose writes each wait until the test lets them finish, recording each batch as it starts. */
const slowStore = Effect.gen(function* () {
  const started: Array<ReadonlyArray<number>> = []
  const gates: Array<Deferred.Deferred<void>> = []
  const write = (batch: ReadonlyArray<number>) =>
    Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      started.push(batch)
      gates.push(gate)
      yield* Deferred.await(gate)
      return batch.map((n) => n * 10)
    })
  const openNext = Effect.suspend(() => {
    const gate = gates.shift()
    return gate === undefined ? Effect.dieMessage("no write waiting") : Deferred.succeed(gate, undefined)
  })
  return { started, write, openNext }
})

const settle = Effect.sleep("20 millis")

describe("groupCommit", () => {
  it("with one writer, what arrives during a write waits for it and goes together in the next call", async () => {
    const out = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* slowStore
          const submit = yield* groupCommit(store.write, 100)
          const first = yield* Effect.fork(submit(1))
          yield* settle
          const later = yield* Effect.fork(Effect.all([submit(2), submit(3)], { concurrency: "unbounded" }))
          yield* settle
          const whileFirstRuns = store.started.map((b) => [...b])
          yield* store.openNext
          yield* settle
          yield* store.openNext
          return {
            whileFirstRuns,
            first: yield* Fiber.join(first),
            later: yield* Fiber.join(later),
            all: store.started
          }
        })
      )
    )
    expect(out.whileFirstRuns).toEqual([[1]])
    expect(out.all).toEqual([[1], [2, 3]])
    expect(out.first).toBe(10)
    expect(out.later).toEqual([20, 30])
  })

  it("with several writers, an item arriving while one call is in flight is written at once beside it", async () => {
    const out = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* slowStore
          const submit = yield* groupCommit(store.write, 100, 2)
          const first = yield* Effect.fork(submit(1))
          yield* settle
          const second = yield* Effect.fork(submit(2))
          yield* settle
          // Both writers busy: these wait, then go together.
          const rest = yield* Effect.fork(Effect.all([submit(3), submit(4)], { concurrency: "unbounded" }))
          yield* settle
          const inFlight = store.started.map((b) => [...b])
          // The first call ends: its writer takes what waited, while the second is still in flight.
          yield* store.openNext
          yield* settle
          const afterOne = store.started.map((b) => [...b])
          yield* store.openNext
          yield* store.openNext
          return {
            inFlight,
            afterOne,
            first: yield* Fiber.join(first),
            second: yield* Fiber.join(second),
            rest: yield* Fiber.join(rest)
          }
        })
      )
    )
    expect(out.inFlight).toEqual([[1], [2]])
    expect(out.afterOne).toEqual([[1], [2], [3, 4]])
    expect([out.first, out.second, out.rest]).toEqual([10, 20, [30, 40]])
  })
})
