import { type WebhookId, WebhookDeliveryNotFound, WebhookNotFound } from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import type { DeliveryPageRequest } from "../../ports/EndpointDeliveries.js"
import { authorize, type Principal } from "../Principal.js"
import { WebhookRepository } from "../../ports/WebhookRepository.js"
import { deliverWebhook, type WebhookDispatchSettings } from "./DispatchWebhooks.js"
import { found } from "./ManageWebhooks.js"

/**
 * How a test delivery is attempted, to a webhook or a notification channel: once (its window
 * closes as it is claimed, so any failure is final), never counted towards disabling the endpoint.
 */
export const TEST_ATTEMPT: WebhookDispatchSettings = {
  disableAfter: Number.POSITIVE_INFINITY,
  retry: { baseDelayMs: 1, maxDelayMs: 1, windowMs: 0 }
}

export const ListWebhookDeliveries = Effect.fn("ListWebhookDeliveries")(function* (
  principal: Principal,
  id: WebhookId,
  page: DeliveryPageRequest
) {
  const { teamId } = yield* authorize(principal, "webhooks")
  const repo = yield* WebhookRepository
  yield* found(repo.get(teamId, id))
  return yield* repo.deliveries(teamId, id, page)
})

export const ReplayWebhookDelivery = Effect.fn("ReplayWebhookDelivery")(function* (
  principal: Principal,
  id: WebhookId,
  deliveryId: number
) {
  const { teamId } = yield* authorize(principal, "webhooks")
  const repo = yield* WebhookRepository
  if (!(yield* repo.replay(teamId, id, deliveryId))) {
    return yield* new WebhookDeliveryNotFound()
  }
})

/** Requeues failed deliveries, oldest first, at most `limit` (clamped to 1,000) per call. */
export const BatchReplayWebhookDeliveries = Effect.fn("BatchReplayWebhookDeliveries")(function* (
  principal: Principal,
  id: WebhookId,
  options: { readonly withinMinutes: number; readonly eventType: string | undefined; readonly limit: number }
) {
  const { teamId } = yield* authorize(principal, "webhooks")
  const repo = yield* WebhookRepository
  yield* found(repo.get(teamId, id))
  const now = yield* Clock.currentTimeMillis
  return yield* repo.replayFailed(teamId, id, {
    since: new Date(now - options.withinMinutes * 60_000),
    eventType: options.eventType,
    limit: Math.min(Math.max(1, options.limit), 1000)
  })
})

/** Sends a `webhook.test` event now and reports the receiver's answer (one attempt, no retries). */
export const TestWebhook = Effect.fn("TestWebhook")(function* (principal: Principal, id: WebhookId) {
  const { teamId } = yield* authorize(principal, "webhooks")
  const repo = yield* WebhookRepository
  const now = yield* Clock.currentTimeMillis
  const claimed = yield* repo.claimTestDelivery(teamId, id, {
    type: "webhook.test",
    data: {
      webhook_id: id,
      message: "This is a test event from PostStack",
      sent_at: new Date(now).toISOString()
    },
    leaseMs: 60_000
  })
  if (Option.isNone(claimed)) return yield* new WebhookNotFound()
  return yield* deliverWebhook(claimed.value, TEST_ATTEMPT)
})
