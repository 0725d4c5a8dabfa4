import { Effect, Scheduler } from "effect"

/**
 * Effect operations a fiber in `yieldToSends` runs before it lets the event loop poll: about a
 * tenth of a millisecond of work.
 */
const OPS_BETWEEN_POLLS = 256

/**
 * Resumes a fiber with `setImmediate`, after Node has read the sockets, so a request that arrived
 * meanwhile starts before the fiber goes on. Effect's default scheduler resumes in a microtask,
 * which runs before any I/O.
 */
const afterPoll = Scheduler.make((task) => {
  setImmediate(task)
})

/**
 * Runs an expensive request (a sign-in: the guard, the account, the hash's answer, the session and
 * its audit entry) in slices that let `POST /emails` requests go first, so people signing in do not
 * add their work to the senders' latency. The request itself takes a little longer (one loop turn
 * per slice); its CPU is the same.
 */
export const yieldToSends = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(Effect.withScheduler(afterPoll), Effect.withMaxOpsBeforeYield(OPS_BETWEEN_POLLS))
