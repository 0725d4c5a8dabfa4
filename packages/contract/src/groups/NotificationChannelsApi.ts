import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { WebhookEventName } from "@poststack/domain"
import { Schema } from "effect"
import { ForbiddenJson, NotFoundJson, UnprocessableJson } from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { Success } from "./common.js"
import { Pagination } from "./DomainsApi.js"
import { BigIdParam, MAX_ID, PageParam, PerPageParam } from "./params.js"

/** A channel as clients see it: its webhook URL or bot token only as a masked `configSummary`. */
export class NotificationChannelView extends Schema.Class<NotificationChannelView>("NotificationChannel")({
  publicId: Schema.String,
  type: Schema.Literal("slack", "discord", "telegram", "web_push"),
  name: Schema.String,
  domainId: Schema.NullOr(Schema.Int),
  mailboxId: Schema.NullOr(Schema.Int),
  events: Schema.Array(Schema.String),
  active: Schema.Boolean,
  configSummary: Schema.Record({ key: Schema.String, value: Schema.String }),
  consecutiveFailures: Schema.Int,
  disabledAt: Schema.NullOr(Schema.Date),
  disabledReason: Schema.NullOr(Schema.String),
  lastUsedAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

/** A webhook delivery's fields with `channelId`; `status` and `eventId` besides. */
export class NotificationDeliveryView extends Schema.Class<NotificationDeliveryView>("NotificationDelivery")({
  id: Schema.Int,
  channelId: Schema.Int,
  eventId: Schema.String,
  eventType: Schema.String,
  payload: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  status: Schema.Literal("pending", "sending", "delivered", "failed"),
  statusCode: Schema.NullOr(Schema.Int),
  responseBody: Schema.NullOr(Schema.String),
  attempts: Schema.Int,
  nextRetryAt: Schema.NullOr(Schema.Date),
  deliveredAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date
}) {}

const Name = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))
const Events = Schema.Array(WebhookEventName).pipe(Schema.minItems(1), Schema.maxItems(100))
const RowId = Schema.Int.pipe(Schema.between(1, MAX_ID))
const Secret = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(2048))
/** The SDK types it as a string; a number is read as one. */
const ChatId = Schema.Union(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100)), Schema.Int)

const common = {
  name: Name,
  events: Events,
  domainId: Schema.optional(Schema.NullOr(RowId)),
  mailboxId: Schema.optional(Schema.NullOr(RowId))
}

export const CreateChannelBody = Schema.Union(
  Schema.Struct({
    type: Schema.Literal("slack", "discord"),
    config: Schema.Struct({ webhookUrl: Secret }),
    ...common
  }),
  Schema.Struct({
    type: Schema.Literal("telegram"),
    config: Schema.Struct({ botToken: Secret, chatId: ChatId }),
    ...common
  })
)

export const UpdateChannelBody = Schema.Struct({
  name: Schema.optional(Name),
  events: Schema.optional(Events),
  domainId: Schema.optional(Schema.NullOr(RowId)),
  mailboxId: Schema.optional(Schema.NullOr(RowId)),
  enabled: Schema.optional(Schema.Boolean),
  config: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Union(Secret, Schema.Int) }))
})

const idPath = Schema.Struct({ id: Schema.String.pipe(Schema.maxLength(100)) })
const Channel = Schema.Struct({ channel: NotificationChannelView })

/** `/notification-channels`: Slack, Discord and Telegram alerts; every route needs a full-access key. */
export class NotificationChannelsApi extends HttpApiGroup.make("notificationChannels")
  .add(
    HttpApiEndpoint.post("create", "/notification-channels")
      .setPayload(CreateChannelBody)
      .addSuccess(Channel, { status: 201 })
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
      .annotate(OpenApi.Summary, "Create a Slack, Discord or Telegram channel")
  )
  .add(
    HttpApiEndpoint.get("list", "/notification-channels")
      .addSuccess(Schema.Struct({ channels: Schema.Array(NotificationChannelView) }))
      .annotate(OpenApi.Summary, "List the team's notification channels")
  )
  .add(
    HttpApiEndpoint.get("get", "/notification-channels/:id")
      .setPath(idPath)
      .addSuccess(Channel)
      .addError(NotFoundJson)
      .annotate(OpenApi.Summary, "Get a notification channel")
  )
  .add(
    HttpApiEndpoint.put("update", "/notification-channels/:id")
      .setPath(idPath)
      .setPayload(UpdateChannelBody)
      .addSuccess(Channel)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
      .annotate(OpenApi.Summary, "Change a channel (partial; config keys are merged)")
  )
  .add(
    HttpApiEndpoint.del("delete", "/notification-channels/:id")
      .setPath(idPath)
      .addSuccess(Success)
      .addError(NotFoundJson)
      .annotate(OpenApi.Summary, "Delete a notification channel")
  )
  .add(
    HttpApiEndpoint.post("test", "/notification-channels/:id/test")
      .setPath(idPath)
      .addSuccess(
        Schema.Struct({
          success: Schema.Literal(true),
          statusCode: Schema.NullOr(Schema.Int),
          responseBody: Schema.NullOr(Schema.String)
        })
      )
      .addError(NotFoundJson)
      .annotate(OpenApi.Summary, "Post a test message and report the platform's answer")
  )
  .add(
    HttpApiEndpoint.get("deliveries", "/notification-channels/:id/deliveries")
      .setPath(idPath)
      .setUrlParams(
        Schema.Struct({
          page: Schema.optionalWith(PageParam, { default: () => 1 }),
          per_page: Schema.optionalWith(PerPageParam, { default: () => 20 }),
          /** Only deliveries showing this `status` (an addition; absent: every delivery). */
          status: Schema.optional(NotificationDeliveryView.fields.status)
        })
      )
      .addSuccess(Schema.Struct({ deliveries: Schema.Array(NotificationDeliveryView), meta: Pagination }))
      .addError(NotFoundJson)
      .annotate(OpenApi.Summary, "A channel's deliveries, newest first")
  )
  .add(
    HttpApiEndpoint.post("replay", "/notification-channels/:id/deliveries/:deliveryId/replay")
      .setPath(
        Schema.Struct({
          id: Schema.String.pipe(Schema.maxLength(100)),
          deliveryId: BigIdParam("a delivery")
        })
      )
      .addSuccess(Schema.Struct({ success: Schema.Literal(true) }))
      .addError(NotFoundJson)
      .annotate(OpenApi.Summary, "Send a delivery again")
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Notification channels") {}
