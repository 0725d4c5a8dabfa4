import type { EmailEventDetail } from "../events/EmailEvents.js"
import type { SuppressionMatch } from "../suppressions/Suppression.js"
import type { TeamId } from "../Team.js"
import { type DeliveryOutcome, type DeliveryStatus, nextAttemptAt, type RetryPolicy } from "./Delivery.js"
import type { ClaimedDelivery } from "./Email.js"

/** What one attempt makes of a delivery: its next state, the events it records, a suppression. */
export interface DeliverySettlement {
  readonly status: DeliveryStatus
  readonly reply: string | null
  readonly mx: string | null
  /** For a deferred delivery: when to try again. */
  readonly nextAttemptAt: Date | null
  /** What happened, in order; each becomes an `email.<type>` webhook event. */
  readonly events: ReadonlyArray<EmailEventDetail>
  /** Put the recipient on the team's suppression list (a hard bounce, a complaint). */
  readonly suppress: {
    readonly teamId: TeamId
    readonly address: string
    readonly reason: "hard_bounce" | "complaint"
  } | null
}

/** How long a delivery that found its destination busy waits before it is claimed again. */
export const BUSY_RETRY_MS = 5_000

/**
 * The delivery's state after an attempt's outcome: delivered (sent, then delivered), bounced (a
 * hard bounce suppresses the recipient), failed, or deferred until the retry policy's next try
 * (failed once the policy's maximum age has passed). A busy destination is no attempt: the
 * delivery goes back to the queue a little later, with no event.
 */
export const settleDelivery = (
  delivery: ClaimedDelivery,
  outcome: DeliveryOutcome,
  now: Date,
  policy: RetryPolicy
): DeliverySettlement => {
  const meta = {
    recipient: delivery.recipient,
    mx: outcome.mx,
    reply: outcome.reply,
    attempt: delivery.attempts
  }
  switch (outcome._tag) {
    case "Busy":
      // The claim's attempt is given back (see DeliveryQueue).
      return {
        status: "queued",
        reply: null,
        mx: null,
        nextAttemptAt: new Date(now.getTime() + BUSY_RETRY_MS),
        events: [],
        suppress: null
      }
    case "Delivered":
      return {
        status: "delivered",
        reply: outcome.reply,
        mx: outcome.mx,
        nextAttemptAt: null,
        events: [
          { type: "sent", metadata: meta },
          { type: "delivered", metadata: meta }
        ],
        suppress: null
      }
    case "Bounced":
      return {
        status: "bounced",
        reply: outcome.reply,
        mx: outcome.mx,
        nextAttemptAt: null,
        events: [{ type: "bounced", metadata: { ...meta, hard: outcome.hard } }],
        suppress:
          outcome.hard && delivery.system !== true
            ? { teamId: delivery.teamId, address: delivery.recipient, reason: "hard_bounce" }
            : null
      }
    case "Failed":
      return {
        status: "failed",
        reply: outcome.reply,
        mx: null,
        nextAttemptAt: null,
        events: [{ type: "failed", metadata: { ...meta, reason: outcome.reason } }],
        suppress: null
      }
    case "Deferred": {
      const next = nextAttemptAt(policy, delivery.attempts, delivery.firstQueuedAt, now)
      if (next === null) {
        return {
          status: "failed",
          reply: outcome.reply,
          mx: outcome.mx,
          nextAttemptAt: null,
          events: [{ type: "failed", metadata: { ...meta, reason: "retries exhausted" } }],
          suppress: null
        }
      }
      return {
        status: "deferred",
        reply: outcome.reply,
        mx: outcome.mx,
        nextAttemptAt: next,
        events: [{ type: "deferred", metadata: { ...meta, next_attempt_at: next.toISOString() } }],
        suppress: null
      }
    }
  }
}

/** A copy not sent because its recipient is on the suppression list now; the event names the entry. */
export const suppressedAtDelivery = (
  delivery: ClaimedDelivery,
  entry: SuppressionMatch
): DeliverySettlement => ({
  status: "suppressed",
  reply: null,
  mx: null,
  nextAttemptAt: null,
  events: [
    {
      type: "suppressed",
      metadata: {
        recipient: delivery.recipient,
        reason: entry.reason,
        suppression_id: entry.id,
        at: "delivery"
      }
    }
  ],
  suppress: null
})
