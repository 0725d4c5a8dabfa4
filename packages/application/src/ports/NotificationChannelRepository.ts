import type { ChannelType, NotificationChannel, TeamId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { EndpointDeliveries } from "./EndpointDeliveries.js"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** The domain a channel is limited to: only events about it reach the channel. */
export interface ChannelDomain {
  readonly id: number
  readonly name: string
}

export interface NewNotificationChannel {
  readonly type: ChannelType
  readonly name: string
  readonly events: ReadonlyArray<string>
  readonly domain: ChannelDomain | null
  readonly configSealed: Uint8Array
  readonly configSummary: Readonly<Record<string, string>>
}

export interface NotificationChannelChanges {
  readonly name?: string
  readonly events?: ReadonlyArray<string>
  readonly domain?: ChannelDomain | null
  /** Turning a channel on again also clears its disabled state and failure count. */
  readonly active?: boolean
  readonly config?: { readonly sealed: Uint8Array; readonly summary: Readonly<Record<string, string>> }
}

/**
 * Notification channels, kept beside webhooks (one queue, one set of rules) but reached only by
 * their `nc_` id and never as webhooks. Every method takes the team: other teams' channels are absent.
 */
export class NotificationChannelRepository extends Context.Tag(
  "@poststack/application/NotificationChannelRepository"
)<
  NotificationChannelRepository,
  {
    readonly create: (
      teamId: TeamId,
      channel: NewNotificationChannel
    ) => Effect.Effect<NotificationChannel, StoreUnavailable>
    /** Oldest first. */
    readonly list: (teamId: TeamId) => Effect.Effect<ReadonlyArray<NotificationChannel>, StoreUnavailable>
    readonly get: (
      teamId: TeamId,
      publicId: string
    ) => Effect.Effect<Option.Option<NotificationChannel>, StoreUnavailable>
    /** The sealed config, for an update that changes some of its keys. */
    readonly sealedConfig: (
      teamId: TeamId,
      publicId: string
    ) => Effect.Effect<Option.Option<Uint8Array>, StoreUnavailable>
    readonly update: (
      teamId: TeamId,
      publicId: string,
      changes: NotificationChannelChanges
    ) => Effect.Effect<Option.Option<NotificationChannel>, StoreUnavailable>
    readonly delete: (teamId: TeamId, publicId: string) => Effect.Effect<boolean, StoreUnavailable>
  } & EndpointDeliveries<string>
>() {}
