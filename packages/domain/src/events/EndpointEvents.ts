import { Schema } from "effect"
import { CHANNEL_TYPES } from "../notifications/NotificationChannel.js"
import { eventSchema, Timestamp } from "./Event.js"

/** Sent after the endpoint's 20th consecutive failure, once, to the team's other endpoints. */
export const WebhookDisabled = eventSchema("webhook.disabled", {
  webhook_id: Schema.Number,
  url: Schema.String,
  reason: Schema.String,
  disabled_at: Timestamp
})

/** As `webhook.disabled`; a channel's URL is a secret, so it is named by id and name only. */
export const NotificationChannelDisabled = eventSchema("notification_channel.disabled", {
  channel_id: Schema.String,
  name: Schema.String,
  type: Schema.Literal(...CHANNEL_TYPES),
  reason: Schema.String,
  disabled_at: Timestamp
})

/** What `POST /webhooks/:id/test` sends. */
export const WebhookTest = eventSchema("webhook.test", {
  webhook_id: Schema.Number,
  message: Schema.String,
  sent_at: Timestamp
})

/** What `POST /notification-channels/:id/test` posts. */
export const NotificationChannelTest = eventSchema("notification_channel.test", {
  channel_id: Schema.String,
  message: Schema.String,
  sent_at: Timestamp
})

export const EndpointWebhookEvent = Schema.Union(
  WebhookDisabled,
  NotificationChannelDisabled,
  WebhookTest,
  NotificationChannelTest
)
export type EndpointWebhookEvent = typeof EndpointWebhookEvent.Type

/** The event for an endpoint just disabled: a webhook by its URL, a chat channel by id and name only. */
export const endpointDisabled = (endpoint: {
  readonly kind: "webhook" | (typeof CHANNEL_TYPES)[number]
  readonly id: number
  readonly url: string
  readonly publicId: string | null
  readonly name: string | null
  readonly reason: string
  readonly disabledAt: Date
}): EndpointWebhookEvent =>
  endpoint.kind === "webhook"
    ? {
        type: "webhook.disabled",
        data: {
          webhook_id: endpoint.id,
          url: endpoint.url,
          reason: endpoint.reason,
          disabled_at: endpoint.disabledAt.toISOString()
        }
      }
    : {
        type: "notification_channel.disabled",
        data: {
          channel_id: endpoint.publicId ?? "",
          name: endpoint.name ?? "",
          type: endpoint.kind,
          reason: endpoint.reason,
          disabled_at: endpoint.disabledAt.toISOString()
        }
      }
