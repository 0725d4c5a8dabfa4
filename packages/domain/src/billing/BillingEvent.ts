import type { TeamId } from "../Team.js"
import type { BillingStatus } from "./Entitlements.js"

/**
 * A billing provider's notification, in our terms. `eventId` is the provider's id (a replay has
 * the same one); `createdAt` orders changes to one subscription.
 */
export type BillingEvent =
  /** A checkout finished: the customer and subscription now belong to the team. */
  | {
      readonly _tag: "CheckoutCompleted"
      readonly eventId: string
      readonly createdAt: Date
      readonly teamId: TeamId | null
      readonly customerId: string
      readonly subscriptionId: string | null
    }
  /** A subscription was created or changed: its price says the plan, its status the payments. */
  | {
      readonly _tag: "SubscriptionChanged"
      readonly eventId: string
      readonly createdAt: Date
      readonly customerId: string
      readonly subscriptionId: string
      readonly priceId: string | null
      readonly status: BillingStatus
    }
  /** A subscription ended: the team goes back to the default plan. */
  | {
      readonly _tag: "SubscriptionEnded"
      readonly eventId: string
      readonly createdAt: Date
      readonly customerId: string
      readonly subscriptionId: string
    }
  /** An invoice was paid. */
  | {
      readonly _tag: "InvoicePaid"
      readonly eventId: string
      readonly createdAt: Date
      readonly customerId: string
      readonly invoiceId: string
      readonly amountCents: number
      readonly currency: string
    }
  /** A payment failed: the billing notice is mailed and the grace period starts. */
  | {
      readonly _tag: "PaymentFailed"
      readonly eventId: string
      readonly createdAt: Date
      readonly customerId: string
      readonly invoiceId: string
      readonly amountCents: number
      readonly currency: string
    }
  /** Any other type: acknowledged and ignored. */
  | { readonly _tag: "Ignored"; readonly eventId: string; readonly createdAt: Date; readonly type: string }

/** Maps a provider subscription status onto ours. */
export const billingStatusOf = (providerStatus: string): BillingStatus =>
  providerStatus === "active" || providerStatus === "trialing"
    ? "active"
    : providerStatus === "past_due" || providerStatus === "unpaid" || providerStatus === "incomplete"
      ? "past_due"
      : providerStatus === "canceled" || providerStatus === "incomplete_expired"
        ? "canceled"
        : "active"
