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

/** Signs and POSTs one attempt; answers when it started and what the receiver said. */
const attemptWebhook = Effect.fnUntraced(function* (delivery: ClaimedWebhookDelivery, open: OpenSecrets) {
  const signer = yield* WebhookSigner
  const transport = yield* WebhookTransport
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
  return { startedAt, outcome }
})

/** Settles an attempt by the retry rules and records it (with the endpoint's failure count). */
const recordAttempt = Effect.fnUntraced(function* (
  delivery: ClaimedWebhookDelivery,
  settings: WebhookDispatchSettings,
  attempt: { readonly startedAt: Date; readonly outcome: WebhookAttemptOutcome }
) {
  const queue = yield* WebhookQueue
  const { startedAt, outcome } = attempt
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

/** One attempt of one delivery: sign, POST, record. Answers what the receiver said. */
export const deliverWebhook = Effect.fnUntraced(function* (
  delivery: ClaimedWebhookDelivery,
  settings: WebhookDispatchSettings
) {
  // Notification channels share the queue and its rules; only the message they post differs.
  if (delivery.kind !== "webhook") return yield* deliverToChannel(delivery, settings)
  return yield* recordAttempt(delivery, settings, yield* attemptWebhook(delivery, openSecrets))
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

const sameBytes = (a: ReadonlyArray<Uint8Array>, b: ReadonlyArray<Uint8Array>) => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Uint8Array
    const y = b[i] as Uint8Array
    if (x.length !== y.length) return false
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false
  }
  return true
}

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
    // Per endpoint: its slots (requests in flight at once) and whether its last attempt succeeded.
    const endpoints = new Map<WebhookId, { slots: number; ok: boolean; gate: Effect.Semaphore }>()
    const endpoint = (id: WebhookId) => {
      const known = endpoints.get(id)
      if (known !== undefined) return known
      // Past the bound the memory starts again: every endpoint back to its start (a brief overshoot).
      if (endpoints.size >= MAX_REMEMBERED) endpoints.clear()
      const fresh = { slots: policy.initial, ok: false, gate: Effect.unsafeMakeSemaphore(policy.initial) }
      endpoints.set(id, fresh)
      return fresh
    }
    // What the claim may take per endpoint: its slots, and while it answers well as many again
    // claimed ahead (they wait for a slot here, so the next request goes out as one finishes, with
    // no claim in between), never more than `perEndpoint` claimed at once. A failing endpoint gets
    // nothing ahead: once it is disabled, only the attempts already in flight still reach it.
    const claimable = () => {
      const caps = new Map<WebhookId, number>()
      for (const [id, e] of endpoints) {
        const cap = e.ok ? Math.min(2 * e.slots, policy.max) : e.slots
        if (cap !== policy.initial) caps.set(id, cap)
      }
      return caps
    }
    const learn = (id: WebhookId, outcome: WebhookAttemptOutcome) => {
      const e = endpoint(id)
      e.slots = nextEndpointSlots(e.slots, outcome, policy)
      e.ok = attemptSucceeded(outcome)
      return e.gate.resize(e.slots)
    }
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
    // The endpoint's slot is held for the request only: the record that follows (batched with
    // others) does not keep the next request from going out.
    const send = (delivery: ClaimedWebhookDelivery) =>
      Effect.gen(function* () {
        const gate = endpoint(delivery.webhookId).gate
        if (delivery.kind !== "webhook") {
          const { outcome } = yield* gate.withPermits(1)(deliverToChannel(delivery, settings))
          return yield* learn(delivery.webhookId, outcome)
        }
        const attempt = yield* gate.withPermits(1)(attemptWebhook(delivery, openCached))
        yield* learn(delivery.webhookId, attempt.outcome)
        yield* recordAttempt(delivery, settings, attempt)
      }).pipe(Effect.catchAll((error) => Effect.logWarning("webhook attempt not recorded", error.message)))
    return yield* runLeasedQueue(
      {
        claim: ({ limit, leaseMs }) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            queue.claim({
              now: new Date(now),
              limit,
              perEndpoint: policy.initial,
              slots: claimable(),
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
