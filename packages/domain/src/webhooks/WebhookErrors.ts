import { Schema } from "effect"

/** No such webhook endpoint in the team. */
export class WebhookNotFound extends Schema.TaggedError<WebhookNotFound>()("WebhookNotFound", {}) {
  override get message() {
    return "Webhook not found"
  }
}

/** No such delivery of one of the team's webhooks. */
export class WebhookDeliveryNotFound extends Schema.TaggedError<WebhookDeliveryNotFound>()(
  "WebhookDeliveryNotFound",
  {}
) {
  override get message() {
    return "Webhook delivery not found"
  }
}
