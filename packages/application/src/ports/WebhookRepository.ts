import type { TeamId, Webhook, WebhookDelivery, WebhookId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"
import type { ClaimedWebhookDelivery } from "./WebhookQueue.js"

export interface NewWebhook {
  readonly url: string
  readonly description: string | null
  readonly events: ReadonlyArray<string>
  readonly secretSealed: Uint8Array
  readonly secretPrefix: string
}

export interface WebhookChanges {
  readonly url?: string
  readonly description?: string | null
  readonly events?: ReadonlyArray<string>
  /** Turning an endpoint on again also clears its disabled state and failure count. */
  readonly active?: boolean
}

/** Endpoints and their deliveries; every method takes the team, so other teams' rows are absent. */
export class WebhookRepository extends Context.Tag("@poststack/application/WebhookRepository")<
  WebhookRepository,
  {
    readonly create: (teamId: TeamId, webhook: NewWebhook) => Effect.Effect<Webhook, StoreUnavailable>
    readonly list: (teamId: TeamId) => Effect.Effect<ReadonlyArray<Webhook>, StoreUnavailable>
    readonly get: (teamId: TeamId, id: WebhookId) => Effect.Effect<Option.Option<Webhook>, StoreUnavailable>
    readonly update: (
      teamId: TeamId,
      id: WebhookId,
      changes: WebhookChanges
    ) => Effect.Effect<Option.Option<Webhook>, StoreUnavailable>
    readonly delete: (teamId: TeamId, id: WebhookId) => Effect.Effect<boolean, StoreUnavailable>
    /** Replaces the secret; the old one keeps signing until `previousExpiresAt` (none when null). */
    readonly rotateSecret: (
      teamId: TeamId,
      id: WebhookId,
      secret: { readonly sealed: Uint8Array; readonly prefix: string },
      previousExpiresAt: Date | null
    ) => Effect.Effect<Option.Option<Webhook>, StoreUnavailable>
    /** A page of deliveries, newest first. */
    readonly deliveries: (
      teamId: TeamId,
      id: WebhookId,
      page: { readonly page: number; readonly perPage: number }
    ) => Effect.Effect<
      { readonly rows: ReadonlyArray<WebhookDelivery>; readonly total: number },
      StoreUnavailable
    >
    /** Puts a delivery back in the queue now; its retry window starts again. False when not found. */
    readonly replay: (
      teamId: TeamId,
      id: WebhookId,
      deliveryId: number
    ) => Effect.Effect<boolean, StoreUnavailable>
    /** Requeues failed deliveries, oldest first; answers how many were and how many match still. */
    readonly replayFailed: (
      teamId: TeamId,
      id: WebhookId,
      filter: {
        readonly since: Date
        readonly eventType: string | undefined
        readonly limit: number
      }
    ) => Effect.Effect<{ readonly replayed: number; readonly remaining: number }, StoreUnavailable>
    /** A test event for one endpoint, claimed at once for the caller to send. */
    readonly claimTestDelivery: (
      teamId: TeamId,
      id: WebhookId,
      event: {
        readonly type: string
        readonly data: Readonly<Record<string, unknown>>
        readonly leaseMs: number
      }
    ) => Effect.Effect<Option.Option<ClaimedWebhookDelivery>, StoreUnavailable>
  }
>() {}
