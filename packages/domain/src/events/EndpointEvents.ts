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
