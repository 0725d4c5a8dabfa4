import { Schema } from "effect"
import { DomainId } from "../domains/DomainRef.js"
import { SuppressionReason } from "../suppressions/Suppression.js"
import { TeamId } from "../Team.js"
import { DeliveryStatus, EmailStatus } from "./Delivery.js"

/** An email's row id (the public one is `publicId`, `em_…`). */
export const EmailId = Schema.Int.pipe(Schema.positive(), Schema.brand("EmailId"))
export type EmailId = typeof EmailId.Type

/** One recipient's delivery of an email: the worker's unit of work, named in bounce addresses. */
export const DeliveryId = Schema.Int.pipe(Schema.positive(), Schema.brand("DeliveryId"))
export type DeliveryId = typeof DeliveryId.Type

export const EmailEventId = Schema.Int.pipe(Schema.positive(), Schema.brand("EmailEventId"))
export type EmailEventId = typeof EmailEventId.Type

const Addresses = Schema.Array(Schema.String)

/** An email as its team reads it back. */
export class EmailRecord extends Schema.Class<EmailRecord>("EmailRecord")({
  id: EmailId,
  publicId: Schema.String,
  teamId: TeamId,
  domainId: DomainId,
  fromAddress: Schema.String,
  fromName: Schema.NullOr(Schema.String),
  toAddresses: Addresses,
  ccAddresses: Addresses,
  bccAddresses: Addresses,
  replyTo: Addresses,
  subject: Schema.String,
  headers: Schema.Record({ key: Schema.String, value: Schema.String }),
  tags: Schema.Array(Schema.String),
  status: EmailStatus,
  testMode: Schema.Boolean,
  unsubscribeEnabled: Schema.Boolean,
  scheduledAt: Schema.NullOr(Schema.DateFromSelf),
  sentAt: Schema.NullOr(Schema.DateFromSelf),
  createdAt: Schema.DateFromSelf,
  messageId: Schema.String
}) {}

export interface EmailBodies {
  readonly htmlBody: string | null
  readonly textBody: string | null
}

/** An email with its bodies, as one is read back alone. */
export class EmailWithBodies extends EmailRecord.extend<EmailWithBodies>("EmailWithBodies")({
  htmlBody: Schema.NullOr(Schema.String),
  textBody: Schema.NullOr(Schema.String)
}) {}

export const EmailEventType = [
  "scheduled",
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
  "failed",
  "suppressed",
  "cancelled"
] as const
export type EmailEventType = (typeof EmailEventType)[number]

const Nullable = Schema.NullOr(Schema.String)

/** One step of an email's life, oldest first. */
export class EmailEvent extends Schema.Class<EmailEvent>("EmailEvent")({
  id: EmailEventId,
  emailId: EmailId,
  eventType: Schema.Literal(...EmailEventType),
  metadata: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  createdAt: Schema.DateFromSelf,
  /** For opens and clicks: the reader's client, and whether a machine fetched rather than a person. */
  reader: Schema.optional(
    Schema.Struct({
      clientName: Nullable,
      clientType: Nullable,
      os: Nullable,
      deviceType: Nullable,
      isPrefetch: Schema.Boolean
    })
  ),
  /** For opens and clicks: where the reader's address is, as far as an offline database knows. */
  location: Schema.optional(Schema.Struct({ country: Nullable, region: Nullable, city: Nullable }))
}) {}

/** A recipient's delivery as the worker claims it. */
export class ClaimedDelivery extends Schema.Class<ClaimedDelivery>("ClaimedDelivery")({
  id: DeliveryId,
  emailId: EmailId,
  /** The email's id as its team knows it (`em_…`), for logs. */
  emailPublicId: Schema.optional(Schema.String),
  teamId: TeamId,
  domainId: DomainId,
  recipient: Schema.String,
  attempts: Schema.Int,
  testMode: Schema.Boolean,
  firstQueuedAt: Schema.DateFromSelf,
  status: DeliveryStatus,
  /** Until then the delivery is this worker's; after it, another may take it. */
  leaseUntil: Schema.DateFromSelf,
  /** The team's suppression entry for the recipient when the claim was made, if there is one. */
  suppressedBy: Schema.NullOr(Schema.Struct({ id: Schema.Int, reason: SuppressionReason })),
  /**
   * One of the product's own mails (system mail): no suppression list stops it and none of its
   * bounces lists the address, since the sending team's list is not the person's.
   */
  system: Schema.optional(Schema.Boolean),
  /** Bulk (marketing) mail: a broadcast's recipient; waits after transactional mail. */
  bulk: Schema.optional(Schema.Boolean)
}) {}

/**
 * Test-mode recipients that simulate an outcome, so a customer's CI can exercise each one
 * without an MTA: `bounced@`, `complained@`, `deferred@` and `delivered@` at this domain.
 */
export const SIMULATOR_DOMAIN = "simulator.poststack.dev"

export type SimulatedOutcome = "delivered" | "bounced" | "complained" | "deferred"

export const simulatedOutcome = (recipient: string): SimulatedOutcome => {
  const [local = "", domain = ""] = recipient.toLowerCase().split("@")
  if (domain !== SIMULATOR_DOMAIN) return "delivered"
  const base = local.split("+")[0]
  return base === "bounced" || base === "complained" || base === "deferred" ? base : "delivered"
}
