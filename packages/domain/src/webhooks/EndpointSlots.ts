import { attemptSucceeded, type WebhookAttemptOutcome } from "./Retry.js"

/** How many attempts one endpoint may have in flight at once, and how that number moves. */
export interface EndpointSlotPolicy {
  /** Where an endpoint starts, and where one not heard from for a while is back to. */
  readonly initial: number
  /** The most in flight to one endpoint, however well it answers. */
  readonly max: number
  /** An answer slower than this does not earn another slot. */
  readonly slowMs: number
}

/**
 * An answer that says the endpoint is struggling: none (a timeout, a refused or dropped
 * connection), "slow down" (429), or a gateway or server that is overloaded (502, 503, 504).
 */
const overloaded = (outcome: WebhookAttemptOutcome): boolean =>
  outcome._tag === "Failed" || [429, 502, 503, 504].includes(outcome.status)

/**
 * The endpoint's slots after one attempt, as TCP grows a window: one more after each quick success
 * (up to `max`), one fewer after a slow answer, half after a sign of overload, never below one. A
 * healthy endpoint soon has `max` requests in flight; a dead or struggling one is held at one, so it
 * ties up one connection and one slot rather than many. Any other quick answer (a 4xx, a 500) is
 * the receiver's verdict on the event, not a sign of load, and leaves the slots as they are; its
 * retries back off by themselves.
 */
export const nextEndpointSlots = (
  slots: number,
  outcome: WebhookAttemptOutcome,
  policy: EndpointSlotPolicy
): number => {
  if (overloaded(outcome)) return Math.max(1, Math.floor(slots / 2))
  if (outcome.durationMs > policy.slowMs) return Math.max(1, slots - 1)
  if (attemptSucceeded(outcome)) return Math.min(policy.max, slots + 1)
  return slots
}
