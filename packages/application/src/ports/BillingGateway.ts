import type {
  BillingEvent,
  BillingNotConfigured,
  BillingProviderUnavailable,
  BillingWebhookInvalid,
  TeamId
} from "@poststack/domain"
import { Context, type Effect } from "effect"

/**
 * The payment provider (Stripe in production), in our terms: customers, hosted pages for buying
 * and managing a subscription, metered overage, and its signed notifications. Nothing of the
 * provider's types leaves the adapter.
 */
export class BillingGateway extends Context.Tag("@poststack/application/BillingGateway")<
  BillingGateway,
  {
    /** Whether a provider is configured; without one, no call below is made. */
    readonly configured: boolean
    /** Creates the team's customer; returns its id. */
    readonly createCustomer: (
      teamId: TeamId,
      teamName: string
    ) => Effect.Effect<string, BillingNotConfigured | BillingProviderUnavailable>
    /** A hosted checkout page subscribing the customer to the price; its URL. */
    readonly checkoutUrl: (input: {
      readonly teamId: TeamId
      readonly customerId: string
      readonly priceId: string
      readonly returnUrl: string
    }) => Effect.Effect<string, BillingNotConfigured | BillingProviderUnavailable>
    /** The hosted portal where the customer manages cards and invoices; its URL. */
    readonly portalUrl: (
      customerId: string,
      returnUrl: string
    ) => Effect.Effect<string, BillingNotConfigured | BillingProviderUnavailable>
    /**
     * Reports a period's overage for the customer. `reportId` makes it idempotent at the provider:
     * the same id sent again never bills twice.
     */
    readonly reportOverage: (input: {
      readonly customerId: string
      readonly quantity: number
      readonly reportId: string
      readonly at: Date
    }) => Effect.Effect<void, BillingNotConfigured | BillingProviderUnavailable>
    /**
     * Verifies a notification's signature over its raw bytes and reads it. A bad signature, or
     * one made longer ago than the provider's tolerance (a replay), is `BillingWebhookInvalid`.
     */
    readonly parseWebhook: (
      rawBody: Uint8Array,
      signature: string | undefined
    ) => Effect.Effect<BillingEvent, BillingNotConfigured | BillingWebhookInvalid>
  }
>() {}
