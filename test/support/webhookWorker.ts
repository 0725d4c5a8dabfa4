import type { PeriodicTask, WebhookDispatcherSettings } from "@poststack/application"
import { jobs, webhookJobs } from "@poststack/runtime"
import { Effect } from "effect"

/** No periodic tasks: tests run only the jobs they exercise. */
export const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []

/**
 * Dispatcher settings for tests: production's policy with retries in milliseconds instead of
 * hours. Each test overrides what it exercises.
 */
export const dispatcherSettings = (
  overrides: Partial<WebhookDispatcherSettings> = {}
): WebhookDispatcherSettings => ({
  retry: { baseDelayMs: 100, maxDelayMs: 400, windowMs: 2_500 },
  disableAfter: 20,
  maxInFlight: 50,
  perEndpoint: 4,
  leaseMs: 10_000,
  idle: "50 millis",
  ...overrides
})

/** Test-mode sending (which records the events) plus the webhook dispatcher with `settings`. */
export const testModeAndWebhookJobs = (settings: WebhookDispatcherSettings) => [
  ...jobs.filter((j) => j.name === "deliveries.test-mode"),
  ...webhookJobs(Effect.succeed(settings))
]
