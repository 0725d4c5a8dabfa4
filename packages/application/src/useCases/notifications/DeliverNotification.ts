import {
  attemptSucceeded,
  type ChannelConfig,
  notificationMessage,
  settleWebhookAttempt,
  type WebhookAttemptOutcome
} from "@poststack/domain"
import { Clock, Effect, Option, Redacted } from "effect"
import { NotificationSender } from "../../ports/NotificationSender.js"
import { SecretBox } from "../../ports/SecretBox.js"
import { type ClaimedWebhookDelivery, WebhookQueue } from "../../ports/WebhookQueue.js"
import type { WebhookDispatchSettings } from "../webhooks/DispatchWebhooks.js"

/** A channel's config, opened; none when it was sealed under another key or is not a config. */
export const openChannelConfig = Effect.fnUntraced(function* (sealed: Uint8Array) {
  const box = yield* SecretBox
  return yield* box.open(sealed).pipe(
    Effect.map((text) => Option.some(Redacted.make(JSON.parse(Redacted.value(text)) as ChannelConfig))),
    Effect.catchAllDefect(() => Effect.succeed(Option.none<Redacted.Redacted<ChannelConfig>>()))
  )
})

/**
 * One attempt of one delivery to a notification channel: the event put into words, posted to the
 * platform, then settled and recorded exactly as a webhook attempt is (retries, the failure count,
 * auto-disable, the delivery log), through the same queue.
 */
export const deliverToChannel = Effect.fn("DeliverNotification")(function* (
  delivery: ClaimedWebhookDelivery,
  settings: WebhookDispatchSettings
) {
  const sender = yield* NotificationSender
  const queue = yield* WebhookQueue
  const sealed = delivery.secretsSealed[0]
  const config = sealed === undefined ? Option.none() : yield* openChannelConfig(sealed)
  const startedAt = new Date(yield* Clock.currentTimeMillis)
  const outcome: WebhookAttemptOutcome = Option.isNone(config)
    ? {
        _tag: "Failed",
        reason: "the channel's settings could not be opened with this deployment's encryption key",
        durationMs: 0
      }
    : yield* sender.send(
        config.value,
        notificationMessage({
          type: delivery.eventType,
          timestamp: delivery.eventCreatedAt,
          data: delivery.data
        })
      )
  const now = new Date(yield* Clock.currentTimeMillis)
  const state = settleWebhookAttempt(outcome, delivery.attempts, delivery.retryUntil, now, settings.retry)
  yield* queue.record(delivery, { startedAt, outcome, state, disableAfter: settings.disableAfter })
  return {
    success: attemptSucceeded(outcome),
    statusCode: outcome._tag === "Responded" ? outcome.status : null,
    responseBody: outcome._tag === "Responded" ? outcome.body : outcome.reason,
    durationMs: outcome.durationMs,
    outcome
  }
})
