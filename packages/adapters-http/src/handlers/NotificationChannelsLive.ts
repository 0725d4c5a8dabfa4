import { HttpApiBuilder } from "@effect/platform"
import {
  CreateNotificationChannel,
  DeleteNotificationChannel,
  GetNotificationChannel,
  ListNotificationChannels,
  ListNotificationDeliveries,
  ReplayNotificationDelivery,
  TestNotificationChannel,
  UpdateNotificationChannel
} from "@poststack/application"
import type { NotificationChannel, WebhookDelivery } from "@poststack/domain"
import { Effect } from "effect"
import { Api, CurrentPrincipal, NotificationChannelView, NotificationDeliveryView } from "@poststack/contract"

const toView = (c: NotificationChannel): NotificationChannelView =>
  NotificationChannelView.make(
    {
      publicId: c.publicId,
      type: c.type,
      name: c.name,
      domainId: c.domainId,
      mailboxId: c.mailboxId,
      events: [...c.events],
      active: c.active,
      configSummary: { ...c.configSummary },
      consecutiveFailures: c.consecutiveFailures,
      disabledAt: c.disabledAt,
      disabledReason: c.disabledReason,
      lastUsedAt: c.lastUsedAt,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt
    },
    { disableValidation: true }
  )

const toDeliveryView = (d: WebhookDelivery): NotificationDeliveryView =>
  NotificationDeliveryView.make(
    {
      id: d.id,
      channelId: d.webhookId,
      eventId: d.eventId,
      eventType: d.eventType,
      payload: d.payload,
      status: d.status,
      statusCode: d.statusCode,
      responseBody: d.responseBody,
      attempts: d.attempts,
      nextRetryAt: d.nextAttemptAt,
      deliveredAt: d.deliveredAt,
      createdAt: d.createdAt
    },
    { disableValidation: true }
  )

const principal = CurrentPrincipal

/** Config values as the domain reads them: text (a numeric chat id sent as a number included). */
const configText = (config: Readonly<Record<string, string | number>>) =>
  Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]))

export const NotificationChannelsLive = HttpApiBuilder.group(Api, "notificationChannels", (handlers) =>
  handlers
    .handle("create", ({ payload }) =>
      Effect.map(
        Effect.flatMap(principal, (p) =>
          CreateNotificationChannel(p, {
            type: payload.type,
            name: payload.name,
            events: payload.events,
            config: configText(payload.config),
            domainId: payload.domainId ?? null,
            mailboxId: payload.mailboxId ?? null
          })
        ),
        (c) => ({ channel: toView(c) })
      )
    )
    .handle("list", () =>
      Effect.map(Effect.flatMap(principal, ListNotificationChannels), (channels) => ({
        channels: channels.map(toView)
      }))
    )
    .handle("get", ({ path }) =>
      Effect.map(
        Effect.flatMap(principal, (p) => GetNotificationChannel(p, path.id)),
        (c) => ({ channel: toView(c) })
      )
    )
    .handle("update", ({ path, payload }) =>
      Effect.map(
        Effect.flatMap(principal, (p) =>
          UpdateNotificationChannel(p, path.id, {
            ...(payload.name === undefined ? {} : { name: payload.name }),
            ...(payload.events === undefined ? {} : { events: payload.events }),
            ...(payload.domainId === undefined ? {} : { domainId: payload.domainId }),
            ...(payload.mailboxId === undefined ? {} : { mailboxId: payload.mailboxId }),
            ...(payload.enabled === undefined ? {} : { enabled: payload.enabled }),
            ...(payload.config === undefined ? {} : { config: configText(payload.config) })
          })
        ),
        (c) => ({ channel: toView(c) })
      )
    )
    .handle("delete", ({ path }) =>
      Effect.flatMap(principal, (p) => DeleteNotificationChannel(p, path.id)).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
    .handle("test", ({ path }) =>
      Effect.map(
        Effect.flatMap(principal, (p) => TestNotificationChannel(p, path.id)),
        (r) => ({ success: true as const, statusCode: r.statusCode, responseBody: r.responseBody })
      )
    )
    .handle("deliveries", ({ path, urlParams }) =>
      Effect.gen(function* () {
        const page = { page: urlParams.page, perPage: urlParams.per_page }
        const { rows, total } = yield* ListNotificationDeliveries(yield* principal, path.id, {
          ...page,
          ...(urlParams.status === undefined ? {} : { statuses: [urlParams.status] })
        })
        return {
          deliveries: rows.map(toDeliveryView),
          meta: { ...page, total, totalPages: Math.ceil(total / page.perPage) }
        }
      })
    )
    .handle("replay", ({ path }) =>
      Effect.flatMap(principal, (p) => ReplayNotificationDelivery(p, path.id, path.deliveryId)).pipe(
        Effect.as({ success: true as const })
      )
    )
)
