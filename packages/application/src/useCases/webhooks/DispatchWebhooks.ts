import {
  attemptSucceeded,
  type EndpointSlotPolicy,
  nextEndpointSlots,
  settleWebhookAttempt,
  type WebhookAttemptOutcome,
  type WebhookId,
  type WebhookRetryPolicy,
  webhookEnvelope
} from "@poststack/domain"
import { Clock, Duration, Effect, Option, type Redacted } from "effect"
import { SecretBox } from "../../ports/SecretBox.js"
import { type ClaimedWebhookDelivery, WebhookQueue } from "../../ports/WebhookQueue.js"
import { WebhookSigner } from "../../ports/WebhookSigner.js"
import { WebhookTransport } from "../../ports/WebhookTransport.js"
import { deliverToChannel } from "../notifications/DeliverNotification.js"
import { runLeasedQueue } from "../runLeasedQueue.js"

export interface WebhookDispatchSettings {
  readonly retry: WebhookRetryPolicy
  readonly disableAfter: number
}

/** An endpoint's secrets, opened; none when one was sealed under another key. */
type OpenSecrets = (
  delivery: ClaimedWebhookDelivery
) => Effect.Effect<Option.Option<ReadonlyArray<Redacted.Redacted<string>>>, never, SecretBox>

const openSecrets: OpenSecrets = (delivery) =>
  Effect.flatMap(SecretBox, (box) =>
    Effect.forEach(delivery.secretsSealed, (sealed) => box.open(sealed)).pipe(
      Effect.map(Option.some),
      Effect.catchAllDefect(() => Effect.succeed(Option.none()))
    )
  )

/** One attempt of one delivery: sign, POST, record. Answers what the receiver said. */
export const deliverWebhook = Effect.fnUntraced(function* (
  delivery: ClaimedWebhookDelivery,
  settings: WebhookDispatchSettings,
  open: OpenSecrets = openSecrets
) {
  // Notification channels share the queue and its rules; only the message they post differs.
  if (delivery.kind !== "webhook") return yield* deliverToChannel(delivery, settings)
  const signer = yield* WebhookSigner
  const transport = yield* WebhookTransport
  const queue = yield* WebhookQueue
  // A secret sealed under another key cannot sign: the attempt fails (and counts) instead of
  // leaving the delivery claimed forever.
  const secrets = yield* open(delivery)
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
    durationMs: outcome.durationMs,
    outcome
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
  /**
   * The most attempts in flight at once to one endpoint: a healthy endpoint grows to it, a slow or
   * failing one is held lower (see `nextEndpointSlots`), so one endpoint cannot take every slot.
   */
  readonly perEndpoint: number
  /** Where an endpoint's slots start. Default: 4 (or `perEndpoint`, when lower). */
  readonly perEndpointInitial?: number
  /** An answer slower than this earns no extra slot. Default: 1 second. */
  readonly slowMs?: number
  readonly leaseMs: number
  /** Pause when nothing is due and nothing announced new deliveries: retries coming due are found after it. */
  readonly idle: Duration.DurationInput
}

/** Endpoints remembered at most; past it the memory starts again (every endpoint back to its start). */
const MAX_REMEMBERED = 10_000

const sameBytes = (a: ReadonlyArray<Uint8Array>, b: ReadonlyArray<Uint8Array>) =>
  a.length === b.length &&
  a.every((x, i) => {
    const y = b[i]
    return y !== undefined && x.length === y.length && x.every((byte, j) => byte === y[j])
  })

/**
 * Runs until interrupted, on the shared leased-queue runner: claims due deliveries into free slots
 * and sends each in its own fiber, so a slow or dead endpoint holds only its own slots (bounded by
 * the transport's timeout), never the loop or other endpoints. Each endpoint has its own number
 * of slots, grown while it answers quickly and cut when it fails or times out, which the claim
 * honours. A crashed worker's attempts come back to the queue when their lease ends; a stopping
 * worker finishes its attempts in flight and gives back what it claimed ahead.
 */
export const RunWebhookDispatcher = (settings: WebhookDispatcherSettings) =>
  Effect.gen(function* () {
    const queue = yield* WebhookQueue
    const policy: EndpointSlotPolicy = {
      initial: Math.max(1, Math.min(settings.perEndpoint, settings.perEndpointInitial ?? 4)),
      max: Math.max(1, settings.perEndpoint),
      slowMs: settings.slowMs ?? 1_000
    }
    // Endpoints whose slots moved from where they start; the others are claimed at `initial`.
    const slots = new Map<WebhookId, number>()
    // Opening a sealed secret is an AES-GCM decryption: done once per endpoint and secret, not per attempt.
    const opened = new Map<
      WebhookId,
      { sealed: ReadonlyArray<Uint8Array>; secrets: Option.Option<ReadonlyArray<Redacted.Redacted<string>>> }
    >()
    const openCached: OpenSecrets = (delivery) => {
      const hit = opened.get(delivery.webhookId)
      if (hit !== undefined && sameBytes(hit.sealed, delivery.secretsSealed))
        return Effect.succeed(hit.secrets)
      return Effect.tap(openSecrets(delivery), (secrets) =>
        Effect.sync(() => {
          if (opened.size >= MAX_REMEMBERED) opened.clear()
          opened.set(delivery.webhookId, { sealed: delivery.secretsSealed, secrets })
        })
      )
    }
    const learn = (webhookId: WebhookId, outcome: WebhookAttemptOutcome) => {
      const next = nextEndpointSlots(slots.get(webhookId) ?? policy.initial, outcome, policy)
      if (next === policy.initial) slots.delete(webhookId)
      else {
        if (slots.size >= MAX_REMEMBERED) slots.clear()
        slots.set(webhookId, next)
      }
    }
    const send = (delivery: ClaimedWebhookDelivery) =>
      deliverWebhook(delivery, settings, openCached).pipe(
        Effect.tap(({ outcome }) => Effect.sync(() => learn(delivery.webhookId, outcome))),
        Effect.catchAll((error) => Effect.logWarning("webhook attempt not recorded", error.message))
      )
    return yield* runLeasedQueue(
      {
        claim: ({ limit, leaseMs }) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            queue.claim({
              now: new Date(now),
              limit,
              perEndpoint: policy.initial,
              slots,
              leaseMs,
              retryWindowMs: settings.retry.windowMs
            })
          ),
        extend: (claims, leaseMs) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => queue.extend(claims, new Date(now + leaseMs))),
        release: queue.release
      },
      send,
      {
        name: "webhooks",
        concurrency: settings.maxInFlight,
        // Claimed ahead: a slot that frees starts its next attempt at once.
        prefetch: Math.ceil(settings.maxInFlight / 2),
        leaseMs: settings.leaseMs,
        idle: Duration.decode(settings.idle),
        wakeUps: queue.announcements,
        // An endpoint's finished attempt frees one of its slots, which the last claim could not fill.
        retryOnFinish: true
      }
    )
  })
