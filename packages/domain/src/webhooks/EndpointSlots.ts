import type { WebhookAttemptOutcome } from "./Retry.js"

/** How many attempts one endpoint may have in flight at once, and how that number moves. */
export interface EndpointSlotPolicy {
  /** Where an endpoint starts, and where one not heard from for a while is back to. */
  readonly initial: number
  /** The most in flight to one endpoint, however well it answers. */
  readonly max: number
  /** An answer slower than this does not earn another slot. */
  readonly slowMs: number
}

/** An answer that says the endpoint is struggling: it did not answer, asked us to slow down, or failed. */
const overloaded = (outcome: WebhookAttemptOutcome): boolean =>
  outcome._tag === "Failed" || outcome.status === 429 || outcome.status >= 500

/**
 * The endpoint's slots after one attempt, as TCP grows a window: one more after each quick answer
 * (up to `max`), one fewer after a slow one, and half after a failure, a timeout, a 429 or a 5xx,
 * never below one. A healthy endpoint soon has `max` requests in flight; a dead or struggling one
 * is held at one, so it ties up one connection and one slot rather than many. A quick 4xx is the
 * receiver's verdict on the event, not a sign of load, and counts as a quick answer.
 */
export const nextEndpointSlots = (
  slots: number,
  outcome: WebhookAttemptOutcome,
  policy: EndpointSlotPolicy
): number => {
  if (overloaded(outcome)) return Math.max(1, Math.floor(slots / 2))
  if (outcome.durationMs > policy.slowMs) return Math.max(1, slots - 1)
  return Math.min(policy.max, slots + 1)
}
