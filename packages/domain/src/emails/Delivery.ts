import { Schema } from "effect"

export const EmailStatus = Schema.Literal(
  "scheduled",
  "queued",
  "sending",
  "deferred",
  "delivered",
  "bounced",
  "complained",
  "failed",
  "suppressed",
  "cancelled"
)
export type EmailStatus = typeof EmailStatus.Type

/** One recipient's delivery: what the worker claims, attempts and settles. */
export const DeliveryStatus = Schema.Literal(
  "queued",
  "sending",
  "deferred",
  "delivered",
  "bounced",
  "failed",
  "suppressed",
  "cancelled"
)
export type DeliveryStatus = typeof DeliveryStatus.Type

/** What happened on one attempt: outcomes are data, and the worker records each as an event. */
export type DeliveryOutcome =
  | { readonly _tag: "Delivered"; readonly reply: string; readonly mx: string }
  | { readonly _tag: "Deferred"; readonly reply: string; readonly mx: string | null }
  | { readonly _tag: "Bounced"; readonly reply: string; readonly mx: string | null; readonly hard: boolean }
  /** Not tried: the destination already had every connection it may have. Not an attempt. */
  | { readonly _tag: "Busy"; readonly reply: string; readonly mx: null }
  /** Not tried and never will be: the message may not go where the recipient's domain points. */
  | { readonly _tag: "Failed"; readonly reply: string; readonly mx: null; readonly reason: string }

/** Classifies an SMTP reply (basic code and optional enhanced code) into an outcome. */
export const classifyReply = (code: number, text: string, mx: string): DeliveryOutcome => {
  const reply = `${code} ${text}`.slice(0, 1000)
  if (code >= 200 && code < 300) return { _tag: "Delivered", reply, mx }
  if (code >= 400 && code < 500) return { _tag: "Deferred", reply, mx }
  return { _tag: "Bounced", reply, mx, hard: true }
}

/**
 * The order in which a delivery status decides its email's status: still moving while any
 * delivery is; then the best news (delivered) if any recipient got it, else the reason it went
 * nowhere. Stores that sum statuses up themselves (in SQL) are given this list.
 */
export const EMAIL_STATUS_PRECEDENCE = [
  "sending",
  "deferred",
  "queued",
  "delivered",
  "bounced",
  "failed",
  "suppressed"
] as const satisfies ReadonlyArray<DeliveryStatus & EmailStatus>

/** The status an email shows for its recipients' deliveries (`cancelled` when none counts). */
export const aggregateStatus = (deliveries: ReadonlyArray<DeliveryStatus>): EmailStatus =>
  EMAIL_STATUS_PRECEDENCE.find((s) => deliveries.includes(s)) ?? "cancelled"

export interface RetryPolicy {
  /** Delays after the 1st, 2nd… failed attempt; the last one repeats. */
  readonly delaysMs: ReadonlyArray<number>
  /** After this long since the first attempt, a deferred delivery fails for good. */
  readonly maxAgeMs: number
}

const MIN = 60_000
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  delaysMs: [1 * MIN, 5 * MIN, 15 * MIN, 30 * MIN, 60 * MIN, 120 * MIN, 240 * MIN, 480 * MIN],
  maxAgeMs: 3 * 24 * 60 * MIN
}

/**
 * When to try again after `attempts` failed attempts: the backoff delay, but never past the
 * maximum age (the last try happens right at it); `null` once the maximum age has passed.
 */
export const nextAttemptAt = (
  policy: RetryPolicy,
  attempts: number,
  firstQueuedAt: Date,
  now: Date
): Date | null => {
  const deadline = firstQueuedAt.getTime() + policy.maxAgeMs
  if (now.getTime() >= deadline) return null
  const delay = policy.delaysMs[Math.min(attempts, policy.delaysMs.length) - 1] ?? policy.delaysMs[0] ?? MIN
  return new Date(Math.min(now.getTime() + delay, deadline))
}
