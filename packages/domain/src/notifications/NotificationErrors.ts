import { Schema } from "effect"

/** No such notification channel in the team. */
export class NotificationChannelNotFound extends Schema.TaggedError<NotificationChannelNotFound>()(
  "NotificationChannelNotFound",
  {}
) {
  override get message() {
    return "Notification channel not found"
  }
}

/** No such delivery of one of the team's notification channels. */
export class NotificationDeliveryNotFound extends Schema.TaggedError<NotificationDeliveryNotFound>()(
  "NotificationDeliveryNotFound",
  {}
) {
  override get message() {
    return "Notification delivery not found"
  }
}

/** No such mailbox for a channel to watch. */
export class MailboxNotFound extends Schema.TaggedError<MailboxNotFound>()("MailboxNotFound", {}) {
  override get message() {
    return "Mailbox not found"
  }
}
