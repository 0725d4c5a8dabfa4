import type { SuppressionMatch } from "../suppressions/Suppression.js"
import type { GeoLocation } from "../tracking/Geo.js"
import type { DeliveryStatus, EmailStatus } from "./Delivery.js"

/** An email as its team reads it back. */
export interface EmailRecord {
  readonly id: number
  readonly publicId: string
  readonly teamId: number
  readonly domainId: number
  readonly fromAddress: string
  readonly fromName: string | null
  readonly toAddresses: ReadonlyArray<string>
  readonly ccAddresses: ReadonlyArray<string>
  readonly bccAddresses: ReadonlyArray<string>
  readonly replyTo: ReadonlyArray<string>
  readonly subject: string
  readonly headers: Readonly<Record<string, string>>
  readonly tags: ReadonlyArray<string>
  readonly status: EmailStatus
  readonly testMode: boolean
  readonly unsubscribeEnabled: boolean
  readonly scheduledAt: Date | null
  readonly sentAt: Date | null
  readonly createdAt: Date
  readonly messageId: string
}

export interface EmailBodies {
  readonly htmlBody: string | null
  readonly textBody: string | null
}

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

export interface EmailEvent {
  readonly id: number
  readonly emailId: number
  readonly eventType: EmailEventType
  readonly metadata: Readonly<Record<string, unknown>> | null
  readonly createdAt: Date
  /** For opens and clicks: the reader's client, and whether a machine fetched rather than a person. */
  readonly reader?: {
    readonly clientName: string | null
    readonly clientType: string | null
    readonly os: string | null
    readonly deviceType: string | null
    readonly isPrefetch: boolean
  }
  /** For opens and clicks: where the reader's address is, as far as an offline database knows. */
  readonly location?: GeoLocation
}

/** A recipient's delivery as the worker claims it. */
export interface ClaimedDelivery {
  readonly id: number
  readonly emailId: number
  /** The email's id as its team knows it (`em_…`), for logs. */
  readonly emailPublicId?: string
  readonly teamId: number
  readonly domainId: number
  readonly recipient: string
  readonly attempts: number
  readonly testMode: boolean
  readonly firstQueuedAt: Date
  readonly status: DeliveryStatus
  /** Until then the delivery is this worker's; after it, another may take it. */
  readonly leaseUntil: Date
  /** The team's suppression entry for the recipient when the claim was made, if there is one. */
  readonly suppressedBy: SuppressionMatch | null
}

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
