import { HttpApiBuilder } from "@effect/platform"
import {
  BatchReplayWebhookDeliveries,
  CreateWebhook,
  DeleteWebhook,
  GetWebhook,
  ListWebhookDeliveries,
  ListWebhooks,
  ReplayWebhookDelivery,
  RotateWebhookSecret,
  TestWebhook,
  UpdateWebhook
} from "@poststack/application"
import { type Webhook, type WebhookDelivery, WebhookId } from "@poststack/domain"
import { Effect, Redacted } from "effect"
import { Api, CurrentPrincipal, WebhookDeliveryView, WebhookView } from "@poststack/contract"

const toView = (w: Webhook): WebhookView =>
  WebhookView.make(
    {
      id: w.id,
      url: w.url,
      description: w.description,
      events: [...w.events],
      active: w.active,
      secretPrefix: w.secretPrefix,
      createdAt: w.createdAt,
      secretRotatedAt: w.secretRotatedAt,
      previousSecretExpiresAt: w.previousSecretExpiresAt,
      consecutiveFailures: w.consecutiveFailures,
      disabledAt: w.disabledAt,
      disabledReason: w.disabledReason,
      lastDeliveryAt: w.lastDeliveryAt,
      lastDeliveryStatus: w.lastDeliveryStatus
    },
    { disableValidation: true }
  )

/** The stored statuses each `status` of the view stands for (the inverse of `toDeliveryView`'s). */
const STORED_STATUSES = {
  pending: ["pending", "sending"],
  success: ["delivered"],
  failed: ["failed"]
} as const satisfies Record<WebhookDeliveryView["status"], ReadonlyArray<WebhookDelivery["status"]>>

const toDeliveryView = (d: WebhookDelivery): WebhookDeliveryView =>
  WebhookDeliveryView.make(
    {
      id: d.id,
      webhookId: d.webhookId,
      eventId: d.eventId,
      eventType: d.eventType,
      payload: d.payload,
      status: d.status === "delivered" ? "success" : d.status === "sending" ? "pending" : d.status,
      statusCode: d.statusCode,
      responseBody: d.responseBody,
      attempts: d.attempts,
      nextRetryAt: d.nextAttemptAt,
      deliveredAt: d.deliveredAt,
      createdAt: d.createdAt,
      event: d.eventType,
      success: d.deliveredAt !== null,
      nextAttemptAt: d.nextAttemptAt
    },
    { disableValidation: true }
  )

const principal = CurrentPrincipal

export const WebhooksLive = HttpApiBuilder.group(Api, "webhooks", (handlers) =>
  handlers
    .handle("create", ({ payload }) =>
      Effect.gen(function* () {
        const { webhook, secret } = yield* CreateWebhook(yield* principal, {
          url: payload.url,
          events: payload.events,
          description: payload.description ?? null
        })
        const plaintext = Redacted.value(secret)
        return {
          webhook: toView(webhook),
          signingSecret: plaintext,
          id: webhook.id,
          secret: plaintext,
          signing_secret: plaintext
        }
      })
    )
    .handle("list", () =>
      Effect.map(Effect.flatMap(principal, ListWebhooks), (hooks) => ({ webhooks: hooks.map(toView) }))
    )
    .handle("get", ({ path }) =>
      Effect.map(
        Effect.flatMap(principal, (t) => GetWebhook(t, WebhookId.make(path.id))),
        (w) => ({ webhook: toView(w) })
      )
    )
    .handle("update", ({ path, payload }) =>
      Effect.map(
        Effect.flatMap(principal, (t) =>
          UpdateWebhook(t, WebhookId.make(path.id), {
            ...(payload.url === undefined ? {} : { url: payload.url }),
            ...(payload.events === undefined ? {} : { events: payload.events }),
            ...(payload.enabled === undefined ? {} : { active: payload.enabled }),
            ...(payload.description === undefined ? {} : { description: payload.description })
          })
        ),
        (w) => ({ webhook: toView(w) })
      )
    )
    .handle("delete", ({ path }) =>
      Effect.flatMap(principal, (t) => DeleteWebhook(t, WebhookId.make(path.id))).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
    .handle("test", ({ path }) =>
      Effect.map(
        Effect.flatMap(principal, (t) => TestWebhook(t, WebhookId.make(path.id))),
        (r) => ({ success: r.success, status_code: r.statusCode, response_time_ms: Math.round(r.durationMs) })
      )
    )
    .handle("deliveries", ({ path, urlParams }) =>
      Effect.gen(function* () {
        const page = { page: urlParams.page, perPage: urlParams.per_page }
        const { rows, total } = yield* ListWebhookDeliveries(yield* principal, WebhookId.make(path.id), {
          ...page,
          ...(urlParams.status === undefined ? {} : { statuses: STORED_STATUSES[urlParams.status] })
        })
        const deliveries = rows.map(toDeliveryView)
        const pagination = { ...page, total, totalPages: Math.ceil(total / page.perPage) }
        return { deliveries, pagination, data: deliveries, meta: pagination }
      })
    )
    .handle("replay", ({ path }) =>
      Effect.flatMap(principal, (t) =>
        ReplayWebhookDelivery(t, WebhookId.make(path.id), path.deliveryId)
      ).pipe(Effect.as({ success: true as const }))
    )
    .handle("batchReplay", ({ path, payload }) =>
      Effect.flatMap(principal, (t) =>
        BatchReplayWebhookDeliveries(t, WebhookId.make(path.id), {
          withinMinutes: payload?.withinMinutes ?? 30 * 24 * 60,
          eventType: payload?.eventType,
          limit: payload?.limit ?? 100
        })
      )
    )
    .handle("rotateSecret", ({ path, payload }) =>
      Effect.map(
        Effect.flatMap(principal, (t) =>
          RotateWebhookSecret(t, WebhookId.make(path.id), payload?.graceHours ?? 24)
        ),
        ({ webhook, secret }) => ({ webhook: toView(webhook), signingSecret: Redacted.value(secret) })
      )
    )
)
