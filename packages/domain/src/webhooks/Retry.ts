/** How failed webhook attempts are retried. */
export interface WebhookRetryPolicy {
  /** Delay after the first failure; each further failure doubles it. */
  readonly baseDelayMs: number
  /** Longest delay between two attempts. */
  readonly maxDelayMs: number
  /** How long after its first attempt a delivery keeps being retried. */
  readonly windowMs: number
}

/** 30 s, 1, 2, 4, 8, 16, 32 minutes, then hourly, for 24 hours. */
export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = {
  baseDelayMs: 30_000,
  maxDelayMs: 60 * 60_000,
  windowMs: 24 * 60 * 60_000
}

/** Consecutive failed attempts after which an endpoint is disabled. */
export const DEFAULT_DISABLE_AFTER = 20

/** The wait after the `attempt`-th failed attempt (1-based). */
export const retryDelayMs = (attempt: number, policy: WebhookRetryPolicy): number =>
  Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)))

/** What one attempt produced, as the receiver (or the network) answered. */
export type WebhookAttemptOutcome =
  | {
      readonly _tag: "Responded"
      readonly status: number
      readonly body: string
      readonly durationMs: number
    }
  | { readonly _tag: "Failed"; readonly reason: string; readonly durationMs: number }

/** Only a 2xx counts; a redirect is not followed, so it is a failure like any other answer. */
export const attemptSucceeded = (outcome: WebhookAttemptOutcome): boolean =>
  outcome._tag === "Responded" && outcome.status >= 200 && outcome.status < 300

export type WebhookDeliveryState =
  | { readonly status: "delivered" }
  | { readonly status: "pending"; readonly nextAttemptAt: Date }
  | { readonly status: "failed" }

/**
 * The delivery's state after an attempt: delivered on a 2xx; otherwise retried after the backoff
 * while the retry window (which ends at `retryUntil`) is open, else failed.
 */
export const settleWebhookAttempt = (
  outcome: WebhookAttemptOutcome,
  attempts: number,
  retryUntil: Date,
  now: Date,
  policy: WebhookRetryPolicy
): WebhookDeliveryState => {
  if (attemptSucceeded(outcome)) return { status: "delivered" }
  const next = new Date(now.getTime() + retryDelayMs(attempts, policy))
  return next.getTime() <= retryUntil.getTime()
    ? { status: "pending", nextAttemptAt: next }
    : { status: "failed" }
}

/** Whether this many consecutive failures disables the endpoint. */
export const shouldDisable = (consecutiveFailures: number, threshold: number): boolean =>
  consecutiveFailures >= threshold
