import type { ChannelConfig, NotificationMessage, WebhookAttemptOutcome } from "@poststack/domain"
import { Context, type Effect, type Redacted } from "effect"

/**
 * Posts chat messages to Slack and Discord webhooks and Telegram's Bot API, under the webhook
 * transport's rules (public addresses only, no redirects, time-limited). The config holds secrets:
 * it stays redacted and never reaches a log or an error.
 */
export class NotificationSender extends Context.Tag("@poststack/application/NotificationSender")<
  NotificationSender,
  {
    /** Why this config may not be saved (a webhook URL pointing somewhere webhooks may not go), if so. */
    readonly vet: (
      config: Redacted.Redacted<ChannelConfig>
    ) => Effect.Effect<{ readonly refused: string | null }>
    /** One attempt, read as the webhook rules read it (see `platformOutcome`). */
    readonly send: (
      config: Redacted.Redacted<ChannelConfig>,
      message: NotificationMessage
    ) => Effect.Effect<WebhookAttemptOutcome>
  }
>() {}
