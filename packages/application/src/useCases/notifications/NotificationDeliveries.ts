import { NotificationChannelNotFound, NotificationDeliveryNotFound } from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import type { DeliveryPageRequest } from "../../ports/EndpointDeliveries.js"
import { NotificationChannelRepository } from "../../ports/NotificationChannelRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { TEST_ATTEMPT } from "../webhooks/WebhookDeliveries.js"
import { deliverToChannel } from "./DeliverNotification.js"
import { foundChannel } from "./ManageNotificationChannels.js"

export const ListNotificationDeliveries = Effect.fn("ListNotificationDeliveries")(function* (
  principal: Principal,
  publicId: string,
  page: DeliveryPageRequest
) {
  const { teamId } = yield* authorize(principal, "notificationChannels")
  const repo = yield* NotificationChannelRepository
  const channel = yield* foundChannel(repo.get(teamId, publicId))
  return { channel, ...(yield* repo.deliveries(teamId, publicId, page)) }
})

export const ReplayNotificationDelivery = Effect.fn("ReplayNotificationDelivery")(function* (
  principal: Principal,
  publicId: string,
  deliveryId: number
) {
  const { teamId } = yield* authorize(principal, "notificationChannels")
  const repo = yield* NotificationChannelRepository
  if (!(yield* repo.replay(teamId, publicId, deliveryId))) {
    return yield* new NotificationDeliveryNotFound()
  }
})

/**
 * Posts a test message now and reports the platform's answer (one attempt, no retries, never
 * counted towards disabling the channel); it is kept in the delivery log like any other.
 */
export const TestNotificationChannel = Effect.fn("TestNotificationChannel")(function* (
  principal: Principal,
  publicId: string
) {
  const { teamId } = yield* authorize(principal, "notificationChannels")
  const repo = yield* NotificationChannelRepository
  const channel = yield* foundChannel(repo.get(teamId, publicId))
  const now = yield* Clock.currentTimeMillis
  const claimed = yield* repo.claimTestDelivery(teamId, publicId, {
    type: "notification_channel.test",
    data: {
      channel_id: channel.publicId,
      message: `Channel "${channel.name}" is connected to PostStack.`,
      sent_at: new Date(now).toISOString()
    },
    leaseMs: 60_000
  })
  if (Option.isNone(claimed)) return yield* new NotificationChannelNotFound()
  return yield* deliverToChannel(claimed.value, TEST_ATTEMPT)
})
