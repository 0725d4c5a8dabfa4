import type { StoreUnavailable } from "@poststack/application"
import { Chunk, Effect, Exit, Queue, type Scope } from "effect"

/**
 * An item waiting for its call, and how to resume its caller. A plain callback rather than a
 * `Deferred`: the profile of `bench:relay` showed making a `Deferred` per item (an object spread
 * over Effect's prototype) at about 1 % of the server's busy time.
 */
interface Pending<A, B> {
  readonly item: A
  readonly done: (exit: Exit.Exit<B, StoreUnavailable>) => void
}

/**
 * Group commit: items that arrive while one call is writing go together in the next call, one
 * transaction and one round trip for all of them, and each caller hears back once that call has
 * committed. Nothing waits for a batch to fill: a lone item is written at once. `write` answers
 * one result per item, in order. A batch the database refuses is written again one item at a
 * time, so one bad item holds back no other.
 *
 * With `writers` above one, that many calls may be in flight at once: an item arriving while
 * every writer is busy waits for the first to finish, and one arriving while one is free is
 * written at once instead of waiting for the call in flight to commit. PostgreSQL syncs commits
 * that are ready together in one disk flush, so concurrent calls do not each pay a full sync,
 * provided they do not wait on each other's row locks.
 */
export const groupCommit = <A, B>(
  write: (batch: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<B>, StoreUnavailable>,
  maxBatch: number,
  writers = 1
): Effect.Effect<(item: A) => Effect.Effect<B, StoreUnavailable>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const settle = (batch: ReadonlyArray<Pending<A, B>>): Effect.Effect<void> =>
      Effect.flatMap(Effect.exit(write(batch.map((p) => p.item))), (exit) => {
        if (Exit.isSuccess(exit))
          return Effect.sync(() => {
            for (let i = 0; i < batch.length; i++) (batch[i] as Pending<A, B>).done(lookup(exit.value, i))
          })
        if (batch.length === 1)
          return Effect.sync(() => (batch[0] as Pending<A, B>).done(Exit.failCause(exit.cause)))
        return Effect.forEach(batch, (p) => settle([p]), { discard: true })
      })
    const pending = yield* Queue.unbounded<Pending<A, B>>()
    const writer = Queue.takeBetween(pending, 1, maxBatch).pipe(
      Effect.flatMap((batch) => Effect.uninterruptible(settle(Chunk.toReadonlyArray(batch)))),
      Effect.forever
    )
    for (let i = 0; i < writers; i++) yield* Effect.forkScoped(writer)
    // Closing: whatever is still waiting hears so instead of waiting for ever.
    yield* Effect.addFinalizer(() =>
      Effect.flatMap(Effect.zip(Effect.fiberId, Queue.takeAll(pending)), ([id, left]) =>
        Effect.sync(() => {
          for (const p of left) p.done(Exit.interrupt(id))
        })
      ).pipe(Effect.zipRight(Queue.shutdown(pending)))
    )
    // A caller interrupted while waiting is answered by no one; its item is written all the same.
    return (item: A) =>
      Effect.async<B, StoreUnavailable>((resume) => {
        // A closed group commit interrupts its caller, as offering to a shut-down queue does.
        if (!Queue.unsafeOffer(pending, { item, done: resume })) resume(Effect.interrupt)
      })
  })

const lookup = <B>(results: ReadonlyArray<B>, i: number): Exit.Exit<B, StoreUnavailable> =>
  i < results.length
    ? Exit.succeed(results[i] as B)
    : Exit.die(new Error(`group commit: no result for item ${i} of ${results.length}`))
