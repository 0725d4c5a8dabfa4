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
      /** The receiver's `Retry-After` header, as sent. */
      readonly retryAfter?: string
    }
  | { readonly _tag: "Failed"; readonly reason: string; readonly durationMs: number }

/** Only a 2xx counts; a redirect is not followed, so it is a failure like any other answer. */
export const attemptSucceeded = (outcome: WebhookAttemptOutcome): boolean =>
  outcome._tag === "Responded" && outcome.status >= 200 && outcome.status < 300

export type WebhookDeliveryState =
  | { readonly status: "delivered" }
  | { readonly status: "pending"; readonly nextAttemptAt: Date }
  | { readonly status: "failed" }

/** An endpoint that answers 410 says it is gone for good: retrying it for a day helps no one. */
export const GONE_REASON = "endpoint answered 410 Gone"

const isGone = (outcome: WebhookAttemptOutcome) => outcome._tag === "Responded" && outcome.status === 410

/**
 * The wait a `Retry-After` value (delay-seconds or an HTTP-date) asks for, from `now`;
 * `undefined` when the value is neither.
 */
export const parseRetryAfterMs = (value: string, now: Date): number | undefined => {
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  // Every HTTP-date form starts with the weekday; this keeps other text `Date.parse` takes out.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime())
}

/**
 * The wait after the `attempts`-th failed attempt: the backoff, or, when a 429 or 503 carries
 * `Retry-After`, what it asks for, never below the backoff (a receiver cannot make us hammer it)
 * nor above the longest delay (nor can it park its events for longer than any other failure).
 */
export const nextRetryDelayMs = (
  outcome: WebhookAttemptOutcome,
  attempts: number,
  now: Date,
  policy: WebhookRetryPolicy
): number => {
  const backoff = retryDelayMs(attempts, policy)
  if (outcome._tag !== "Responded" || (outcome.status !== 429 && outcome.status !== 503)) return backoff
  const asked = outcome.retryAfter === undefined ? undefined : parseRetryAfterMs(outcome.retryAfter, now)
  return asked === undefined ? backoff : Math.max(backoff, Math.min(asked, policy.maxDelayMs))
}

/**
 * The delivery's state after an attempt: delivered on a 2xx; failed at once on a 410 (the
 * endpoint is disabled, see `disableReason`); otherwise retried after `nextRetryDelayMs` while
 * the retry window (which ends at `retryUntil`) is open, else failed.
 */
export const settleWebhookAttempt = (
  outcome: WebhookAttemptOutcome,
  attempts: number,
  retryUntil: Date,
  now: Date,
  policy: WebhookRetryPolicy
): WebhookDeliveryState => {
  if (attemptSucceeded(outcome)) return { status: "delivered" }
  if (isGone(outcome)) return { status: "failed" }
  const next = new Date(now.getTime() + nextRetryDelayMs(outcome, attempts, now, policy))
  return next.getTime() <= retryUntil.getTime()
    ? { status: "pending", nextAttemptAt: next }
    : { status: "failed" }
}

/** Whether this many consecutive failures disables the endpoint. */
export const shouldDisable = (consecutiveFailures: number, threshold: number): boolean =>
  consecutiveFailures >= threshold

/**
 * Why the endpoint is disabled after a failed attempt, if it is: at once on a 410, else at the
 * threshold of consecutive failures. An infinite threshold (the test send) never disables.
 */
export const disableReason = (
  outcome: WebhookAttemptOutcome,
  consecutiveFailures: number,
  threshold: number
): string | undefined => {
  if (attemptSucceeded(outcome) || !Number.isFinite(threshold)) return undefined
  if (isGone(outcome)) return GONE_REASON
  return shouldDisable(consecutiveFailures, threshold)
    ? `${consecutiveFailures} consecutive failed deliveries`
    : undefined
}
