import {
  FanOutWebhookEvents,
  RunWebhookDispatcher,
  type WebhookDispatcherSettings
} from "@poststack/application"
import { DEFAULT_DISABLE_AFTER, DEFAULT_WEBHOOK_RETRY } from "@poststack/domain"
import { Config, type Duration, Effect } from "effect"

/** The dispatcher's settings from the environment; tests pass their own to `webhookJobs`. */
export const WebhookDispatcherConfig: Config.Config<WebhookDispatcherSettings> = Config.all({
  retry: Config.all({
    baseDelayMs: Config.integer("POSTSTACK_WEBHOOK_RETRY_BASE_MS").pipe(
      Config.withDefault(DEFAULT_WEBHOOK_RETRY.baseDelayMs)
    ),
    maxDelayMs: Config.integer("POSTSTACK_WEBHOOK_RETRY_MAX_MS").pipe(
      Config.withDefault(DEFAULT_WEBHOOK_RETRY.maxDelayMs)
    ),
    windowMs: Config.integer("POSTSTACK_WEBHOOK_RETRY_WINDOW_MS").pipe(
      Config.withDefault(DEFAULT_WEBHOOK_RETRY.windowMs)
    )
  }),
  disableAfter: Config.integer("POSTSTACK_WEBHOOK_DISABLE_AFTER").pipe(
    Config.withDefault(DEFAULT_DISABLE_AFTER)
  ),
  maxInFlight: Config.integer("POSTSTACK_WEBHOOK_CONCURRENCY").pipe(Config.withDefault(50)),
  perEndpoint: Config.integer("POSTSTACK_WEBHOOK_CONCURRENCY_PER_ENDPOINT").pipe(Config.withDefault(16)),
  // Longer than the transport's timeout, so a live attempt is never taken over.
  leaseMs: Config.integer("POSTSTACK_WEBHOOK_LEASE_MS").pipe(Config.withDefault(60_000)),
  // Fan-outs announce new deliveries (NOTIFY); the pause only finds retries that came due.
  idle: Config.succeed<Duration.DurationInput>("1 second")
})

/**
 * Two jobs, apart from mail delivery so neither can hold up the other: the fan-out turns new
 * outbox events into deliveries; the dispatcher sends them (it runs until the worker stops).
 */
export const webhookJobs = (settings: Effect.Effect<WebhookDispatcherSettings>) =>
  [
    {
      name: "webhooks.fan-out",
      every: "200 millis",
      run: Effect.asVoid(Effect.repeat(FanOutWebhookEvents(500), { while: (events) => events > 0 }))
    },
    {
      name: "webhooks.dispatch",
      every: "1 second",
      // Interruptible inside the job runner's uninterruptible round: this round never ends by itself.
      run: Effect.interruptible(Effect.flatMap(settings, RunWebhookDispatcher))
    }
  ] as const
