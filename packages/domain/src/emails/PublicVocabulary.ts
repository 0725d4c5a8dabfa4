import { Schema } from "effect"
import type { EmailStatus } from "./Delivery.js"
import type { EmailEventType } from "./Email.js"

/**
 * An email's status as clients read it: the SDK's `EmailStatus` enum, plus `cancelled` (the
 * contract leaves a cancelled email's status open, and no value of the enum says it truly).
 */
export const PublicEmailStatus = Schema.Literal(
  "queued",
  "sending",
  "deferred",
  "delivered",
  "bounced",
  "complained",
  "failed",
  "cancelled"
)
export type PublicEmailStatus = typeof PublicEmailStatus.Type

/** An event's type as clients read it: exactly the SDK's `EmailEventType` enum. */
export const PublicEmailEventType = Schema.Literal(
  "queued",
  "sent",
  "delivered",
  "deferred",
  "bounced",
  "soft_bounced",
  "opened",
  "clicked",
  "complained",
  "unsubscribed",
  "failed"
)
export type PublicEmailEventType = typeof PublicEmailEventType.Type

/**
 * The status clients see for a stored one. A scheduled email is `queued` (its `scheduledAt`
 * says when); an email none of whose recipients could be sent to because each is suppressed
 * has `failed`.
 */
export const publicEmailStatus = (status: EmailStatus): PublicEmailStatus =>
  status === "scheduled" ? "queued" : status === "suppressed" ? "failed" : status

/** The stored statuses a client's status filter stands for: the inverse of `publicEmailStatus`. */
export const storedStatusesFor = (status: PublicEmailStatus): ReadonlyArray<EmailStatus> =>
  status === "queued" ? ["queued", "scheduled"] : status === "failed" ? ["failed", "suppressed"] : [status]

/**
 * An event as clients see it: the types outside the enum become the nearest one, and what they
 * meant becomes a flag of that name in `metadata` (the stored metadata is kept; a suppressed
 * recipient's `reason` is its suppression's). `scheduled` is `queued` with `scheduled: true`
 * (and `scheduled_at`); a suppressed recipient or a cancelled email is `failed` with
 * `suppressed: true` or `cancelled: true`.
 */
export const publicEvent = (
  type: EmailEventType,
  metadata: Readonly<Record<string, unknown>> | null
): {
  readonly eventType: PublicEmailEventType
  readonly metadata: Readonly<Record<string, unknown>> | null
} => {
  switch (type) {
    case "scheduled":
      return { eventType: "queued", metadata: { ...metadata, scheduled: true } }
    case "suppressed":
      return { eventType: "failed", metadata: { ...metadata, suppressed: true } }
    case "cancelled":
      return { eventType: "failed", metadata: { ...metadata, cancelled: true } }
    default:
      return { eventType: type, metadata }
  }
}
