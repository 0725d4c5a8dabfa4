import type { TeamId, WebhookDelivery } from "@poststack/domain"
import type { Effect, Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"
import type { ClaimedWebhookDelivery } from "./WebhookQueue.js"

/**
 * Which page of an endpoint's deliveries, counted from 1; with `statuses`, only deliveries in one
 * of them (the page and the total count those alone).
 */
export interface DeliveryPageRequest {
  readonly page: number
  readonly perPage: number
  readonly statuses?: ReadonlyArray<WebhookDelivery["status"]>
}

/**
 * The delivery log of one endpoint, shared by webhooks and notification channels (one queue, one
 * set of rules). `Id` is how the endpoint is named: a webhook's id, a channel's `nc_` id. Every
 * method takes the team: other teams' endpoints and deliveries are absent.
 */
export interface EndpointDeliveries<Id> {
  /** A page of deliveries, newest first. */
  readonly deliveries: (
    teamId: TeamId,
    id: Id,
    page: DeliveryPageRequest
  ) => Effect.Effect<
    { readonly rows: ReadonlyArray<WebhookDelivery>; readonly total: number },
    StoreUnavailable
  >
  /** Puts a delivery back in the queue now; its retry window starts again. False when not found. */
  readonly replay: (teamId: TeamId, id: Id, deliveryId: number) => Effect.Effect<boolean, StoreUnavailable>
  /** A test event for one endpoint, claimed at once for the caller to send. */
  readonly claimTestDelivery: (
    teamId: TeamId,
    id: Id,
    event: {
      readonly type: string
      readonly data: Readonly<Record<string, unknown>>
      readonly leaseMs: number
    }
  ) => Effect.Effect<Option.Option<ClaimedWebhookDelivery>, StoreUnavailable>
}
