import type { TeamId, Webhook, WebhookId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { EndpointDeliveries } from "./EndpointDeliveries.js"
import type { StoreUnavailable } from "./StoreUnavailable.js"

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
  } & EndpointDeliveries<WebhookId>
>() {}
