import {
  attemptSucceeded,
  settleWebhookAttempt,
  type WebhookAttemptOutcome,
  type WebhookRetryPolicy,
  webhookEnvelope
} from "@poststack/domain"
import { Clock, Duration, Effect, FiberSet, Option, Queue } from "effect"
import { SecretBox } from "../../ports/SecretBox.js"
import { type ClaimedWebhookDelivery, WebhookQueue } from "../../ports/WebhookQueue.js"
import { WebhookSigner } from "../../ports/WebhookSigner.js"
import { WebhookTransport } from "../../ports/WebhookTransport.js"
import { deliverToChannel } from "../notifications/DeliverNotification.js"

export interface WebhookDispatchSettings {
  readonly retry: WebhookRetryPolicy
  readonly disableAfter: number
}

/** One attempt of one delivery: sign, POST, record. Answers what the receiver said. */
export const deliverWebhook = Effect.fnUntraced(function* (
  delivery: ClaimedWebhookDelivery,
  settings: WebhookDispatchSettings
) {
  // Notification channels share the queue and its rules; only the message they post differs.
  if (delivery.kind !== "webhook") return yield* deliverToChannel(delivery, settings)
  const box = yield* SecretBox
  const signer = yield* WebhookSigner
  const transport = yield* WebhookTransport
  const queue = yield* WebhookQueue
  // A secret sealed under another key cannot sign: the attempt fails (and counts) instead of
  // leaving the delivery claimed forever.
  const secrets = yield* Effect.forEach(delivery.secretsSealed, (sealed) => box.open(sealed)).pipe(
    Effect.map(Option.some),
    Effect.catchAllDefect(() => Effect.succeed(Option.none()))
  )
  const body = webhookEnvelope({
    id: delivery.eventId,
    type: delivery.eventType,
    timestamp: delivery.eventCreatedAt,
    data: delivery.data
  })
  const startedAt = new Date(yield* Clock.currentTimeMillis)
  const outcome: WebhookAttemptOutcome = Option.isNone(secrets)
    ? {
        _tag: "Failed",
        reason: "the signing secret could not be opened with this deployment's encryption key",
        durationMs: 0
      }
    : yield* transport.post({
        url: delivery.url,
        body,
        headers: yield* signer.sign({
          secrets: secrets.value,
          eventId: delivery.eventId,
          timestamp: startedAt,
          body
        })
      })
  const now = new Date(yield* Clock.currentTimeMillis)
  const state = settleWebhookAttempt(outcome, delivery.attempts, delivery.retryUntil, now, settings.retry)
  yield* queue.record(delivery, { startedAt, outcome, state, disableAfter: settings.disableAfter })
  return {
    success: attemptSucceeded(outcome),
    statusCode: outcome._tag === "Responded" ? outcome.status : null,
    durationMs: outcome.durationMs
  }
})

/** Turns new outbox events into deliveries until none are left; answers how many events it took. */
export const FanOutWebhookEvents = Effect.fn("FanOutWebhookEvents")(function* (limit: number) {
  const queue = yield* WebhookQueue
  return (yield* queue.fanOut({ limit })).events
})

export interface WebhookDispatcherSettings extends WebhookDispatchSettings {
  /** Attempts in flight at once in this worker. */
  readonly maxInFlight: number
  /** Attempts in flight at once per endpoint (per worker), so one slow endpoint cannot take every slot. */
  readonly perEndpoint: number
  readonly leaseMs: number
  /** Pause when there is nothing to claim or every slot is taken. */
  readonly idle: Duration.DurationInput
}

/**
 * Runs until interrupted: claims due deliveries into free slots and sends each in its own fiber,
 * so a slow or dead endpoint holds only its own slots (bounded by the transport's timeout), never
 * the loop or other endpoints. A crashed worker's attempts come back to the queue when their lease ends.
 */
export const RunWebhookDispatcher = (settings: WebhookDispatcherSettings) =>
  Effect.scoped(
    Effect.gen(function* () {
      const queue = yield* WebhookQueue
      const inFlight = yield* FiberSet.make<unknown, never>()
      // An attempt is not cut short when the worker stops: closing the set waits for it (bounded by
      // the transport's timeout), so a graceful stop leaves nothing to a lease.
      // Each finished attempt wakes the loop: the slot it frees (its endpoint's too) is claimed
      // again at once, instead of after the idle pause.
      const finished = yield* Queue.sliding<void>(1)
      const send = (delivery: ClaimedWebhookDelivery) =>
        deliverWebhook(delivery, settings).pipe(
          Effect.catchAllCause((cause) => Effect.logWarning("webhook attempt not recorded", cause)),
          Effect.ensuring(Queue.offer(finished, undefined)),
          Effect.uninterruptible
        )
      for (;;) {
        const free = settings.maxInFlight - (yield* FiberSet.size(inFlight))
        const claimed =
          free <= 0
            ? []
            : yield* queue
                .claim({
                  now: new Date(yield* Clock.currentTimeMillis),
                  limit: free,
                  perEndpoint: settings.perEndpoint,
                  leaseMs: settings.leaseMs,
                  retryWindowMs: settings.retry.windowMs
                })
                .pipe(
                  Effect.catchAll((error) =>
                    Effect.as(Effect.logWarning("webhook claim failed", error.message), [])
                  )
                )
        for (const delivery of claimed) yield* FiberSet.run(inFlight, send(delivery))
        // A claim that filled fewer slots than it had took all there was to take: the next one
        // waits for a slot (or an endpoint's) to free, or for the idle pause (new events, retries
        // coming due), instead of asking again at once for nothing.
        if (free <= 0 || claimed.length < free)
          yield* Queue.take(finished).pipe(Effect.timeoutOption(Duration.decode(settings.idle)))
      }
    })
  )
