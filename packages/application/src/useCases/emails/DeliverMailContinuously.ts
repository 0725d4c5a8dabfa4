import { type ClaimedDelivery, DEFAULT_RETRY_POLICY, type RetryPolicy } from "@poststack/domain"
import { Array as Arr, Clock, type Duration, Effect, FiberSet, Option, Ref, Schedule } from "effect"
import { DeliveryQueue } from "../../ports/DeliveryQueue.js"
import { EmailRepository, type EmailForDelivery } from "../../ports/EmailRepository.js"
import { DeliverMessage } from "./DeliverMessage.js"

/** Runs `f` for every item at once; a lone item (the usual email) runs in place, with no fiber of its own. */
const allAtOnce = <A, E, R>(items: ReadonlyArray<A>, f: (item: A) => Effect.Effect<void, E, R>) =>
  items.length === 1 && items[0] !== undefined
    ? f(items[0])
    : Effect.forEach(items, f, { concurrency: "unbounded", discard: true })

/**
 * Live delivery as a pipeline: keeps up to `inFlight` deliveries going, claiming more (any number
 * of workers share the queue) as soon as some finish, so one slow receiver delays only its own
 * messages, never a whole round. Runs until interrupted; then it claims nothing more, and every
 * delivery already claimed finishes and is recorded before it returns.
 */
export const DeliverMailContinuously = Effect.fn("DeliverMailContinuously")(function* (options: {
  readonly inFlight: number
  readonly batch: number
  readonly leaseMs: number
  readonly idle: Duration.DurationInput
  readonly policy?: RetryPolicy
}) {
  const queue = yield* DeliveryQueue
  const emails = yield* EmailRepository
  const policy = options.policy ?? DEFAULT_RETRY_POLICY
  let busy = 0
  const unrecorded = yield* Ref.make(0)
  // What this worker holds, with its leases renewed well before they run out (started first, so
  // it stops last: leases are still renewed while a stopping worker finishes its deliveries).
  const held = new Map<number, ClaimedDelivery>()
  // After the database was away, leases may have lapsed: they are renewed before anything new is
  // claimed, or this worker could claim (and send again) what it is still delivering.
  let lapsed = false
  const renew = Effect.gen(function* () {
    const now = new Date(yield* Clock.currentTimeMillis)
    yield* queue.extend({ claims: [...held.values()], now, leaseMs: options.leaseMs })
    lapsed = false
  }).pipe(
    Effect.tapError(() => Effect.sync(() => (lapsed = true))),
    Effect.catchAll((error) => Effect.logWarning("could not renew delivery leases", error.message))
  )
  yield* Effect.forkScoped(
    renew.pipe(
      Effect.repeat(Schedule.spaced(Math.max(50, Math.floor(options.leaseMs / 4)))),
      Effect.interruptible
    )
  )
  const running = yield* FiberSet.make()
  // Frees a claim's slot once: when its copy is recorded, or when its batch ends however it ends.
  const release = (d: ClaimedDelivery) => {
    if (held.delete(d.id)) busy--
  }
  // The copies of one email go out together, sharing one load of the email.
  const deliverEmail = (copies: ReadonlyArray<ClaimedDelivery>, email: Option.Option<EmailForDelivery>) =>
    allAtOnce(copies, (d) => DeliverMessage(d, email, { leaseMs: options.leaseMs, policy, unrecorded })).pipe(
      Effect.catchAllCause((cause) => Effect.logError("delivery failed; its lease brings it back", cause)),
      Effect.ensuring(Effect.sync(() => copies.forEach(release)))
    )
  // One claim's emails are read in one query, then each email's copies go out on their own.
  const deliverBatch = (claimed: ReadonlyArray<ClaimedDelivery>) =>
    Effect.gen(function* () {
      const loaded = yield* emails.loadForDelivery([...new Set(claimed.map((d) => d.emailId))])
      yield* Effect.forEach(
        Object.values(Arr.groupBy(claimed, (d) => String(d.emailId))),
        (copies) => deliverEmail(copies, Option.fromNullable(loaded.get(copies[0].emailId))),
        { concurrency: "unbounded", discard: true }
      )
    }).pipe(
      Effect.catchAllCause((cause) =>
        Effect.logError("loading mail failed; its lease brings it back", cause)
      ),
      Effect.uninterruptible,
      Effect.ensuring(Effect.sync(() => claimed.forEach(release)))
    )
  const claimMore = Effect.gen(function* () {
    if (lapsed) yield* renew
    if (lapsed) return 0
    const claimed = yield* queue.claim({
      now: new Date(yield* Clock.currentTimeMillis),
      limit: Math.min(options.batch, options.inFlight - busy),
      leaseMs: options.leaseMs,
      testMode: false
    })
    busy += claimed.length
    for (const d of claimed) held.set(d.id, d)
    if (claimed.length > 0) yield* FiberSet.run(running, deliverBatch(claimed))
    return claimed.length
  }).pipe(
    // Claimed rows always get their fiber: no interruption between the claim and the fork.
    Effect.uninterruptible,
    Effect.catchAllCause((cause) => Effect.as(Effect.logError("claiming mail failed", cause), 0))
  )
  // A claim waits for room for half a batch, so that each claim and each read of its emails
  // serves many deliveries, not just the one that finished last.
  const room = Math.max(1, Math.min(options.inFlight, Math.ceil(options.batch / 2)))
  for (;;) {
    if (options.inFlight - busy < room || (yield* Ref.get(unrecorded)) > 0) {
      yield* Effect.sleep("5 millis")
      continue
    }
    if ((yield* claimMore) === 0) yield* Effect.sleep(options.idle)
  }
}, Effect.scoped)
