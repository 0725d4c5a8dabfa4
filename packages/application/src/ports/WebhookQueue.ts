import type { ChannelType, WebhookAttemptOutcome, WebhookDeliveryState, WebhookId } from "@poststack/domain"
import { Context, type Effect, type Stream } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** A delivery a worker holds under a lease, with what it needs to sign and send it. */
export interface ClaimedWebhookDelivery {
  readonly id: number
  readonly webhookId: WebhookId
  /** A webhook, or a notification channel (same queue, same rules; it posts a chat message instead). */
  readonly kind: "webhook" | ChannelType
  readonly url: string
  /** The current secret, then the previous one while its grace window lasts; a channel's sealed config. */
  readonly secretsSealed: ReadonlyArray<Uint8Array>
  readonly eventId: string
  readonly eventType: string
  readonly eventCreatedAt: Date
  readonly data: Readonly<Record<string, unknown>>
  /** Including the one just claimed. */
  readonly attempts: number
  readonly retryUntil: Date
}

/**
 * The outbox fan-out and the webhook delivery queue. Claims use `FOR UPDATE SKIP LOCKED` and a
 * lease, so any number of workers share them.
 */
export class WebhookQueue extends Context.Tag("@poststack/application/WebhookQueue")<
  WebhookQueue,
  {
    /**
     * Turns outbox events not yet fanned out into one delivery per active endpoint of their team
     * subscribed to them (`*` included), marking the events in the same transaction.
     */
    readonly fanOut: (options: {
      readonly limit: number
    }) => Effect.Effect<{ readonly events: number; readonly deliveries: number }, StoreUnavailable>
    /**
     * Due deliveries of active endpoints, at most `perEndpoint` in flight per endpoint, or the
     * endpoint's own number in `slots` when it has one there.
     */
    readonly claim: (options: {
      readonly now: Date
      readonly limit: number
      readonly perEndpoint: number
      readonly slots?: ReadonlyMap<WebhookId, number>
      readonly leaseMs: number
      /** A delivery's retry window starts at its first attempt (again after a replay). */
      readonly retryWindowMs: number
    }) => Effect.Effect<ReadonlyArray<ClaimedWebhookDelivery>, StoreUnavailable>
    /** Renews the leases of claims still held (a claim taken over since is left alone). */
    readonly extend: (
      claims: ReadonlyArray<ClaimedWebhookDelivery>,
      leaseUntil: Date
    ) => Effect.Effect<void, StoreUnavailable>
    /** Gives back claims never attempted (the worker is stopping): due again at once, their attempt uncounted. */
    readonly release: (claims: ReadonlyArray<ClaimedWebhookDelivery>) => Effect.Effect<void, StoreUnavailable>
    /**
     * Says that deliveries were queued (by a fan-out, from any worker), so an idle dispatcher claims
     * at once. Best effort: a dispatcher still looks again after its idle pause.
     */
    readonly announcements: Stream.Stream<void>
    /**
     * Stores the attempt and the delivery's new state, counts the endpoint's consecutive failures
     * and disables it (with a `webhook.disabled` event) as `disableReason` says (at `disableAfter`,
     * or at once on a 410), in one transaction; nothing when the lease was lost.
     */
    readonly record: (
      delivery: ClaimedWebhookDelivery,
      attempt: {
        readonly startedAt: Date
        readonly outcome: WebhookAttemptOutcome
        readonly state: WebhookDeliveryState
        readonly disableAfter: number
      }
    ) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
