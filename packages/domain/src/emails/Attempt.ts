import type { DeliveryOutcome } from "./Delivery.js"

/**
 * The latest moment an attempt may start on a claim: half the lease is kept as the margin for the
 * SMTP exchange itself, so a delivery that waited longer goes back to the queue rather than risk
 * a second copy from another worker once its lease runs out.
 */
export const attemptDeadline = (leaseUntil: Date, leaseMs: number): Date =>
  new Date(leaseUntil.getTime() - leaseMs / 2)

/** An email deleted since it was queued bounces, softly: the address did nothing wrong. */
export const messageGoneOutcome: DeliveryOutcome = {
  _tag: "Bounced",
  reply: "554 5.0.0 message no longer exists",
  mx: null,
  hard: false
}

/** A claim past its deadline is handed back untried (`Busy`); `null` while the attempt may start. */
export const lateOutcome = (now: Date, deadline: Date): DeliveryOutcome | null =>
  now.getTime() > deadline.getTime()
    ? { _tag: "Busy", reply: "451 4.4.5 not started in time", mx: null }
    : null

/** A message that could not be DKIM-signed is not sent unsigned: it waits and is tried again. */
export const signingFailedOutcome = (reason: string): DeliveryOutcome => ({
  _tag: "Deferred",
  reply: `451 4.7.5 not sent: ${reason}`,
  mx: null
})
