import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { WebhookEventName } from "@poststack/domain"
import { Schema } from "effect"
import { ForbiddenJson, NotFoundJson, UnprocessableJson } from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { Success } from "./common.js"
import { Pagination } from "./DomainsApi.js"
import { BigIdParam, IdParam, PageParam, PerPageParam } from "./params.js"

/** An endpoint as clients see it; its secret only as `secretPrefix`, after creation. */
export class WebhookView extends Schema.Class<WebhookView>("Webhook")({
  id: Schema.Int,
  url: Schema.String,
  description: Schema.NullOr(Schema.String),
  events: Schema.Array(Schema.String),
  active: Schema.Boolean,
  secretPrefix: Schema.String,
  createdAt: Schema.Date,
  secretRotatedAt: Schema.NullOr(Schema.Date),
  previousSecretExpiresAt: Schema.NullOr(Schema.Date),
  consecutiveFailures: Schema.Int,
  disabledAt: Schema.NullOr(Schema.Date),
  disabledReason: Schema.NullOr(Schema.String),
  lastDeliveryAt: Schema.NullOr(Schema.Date),
  lastDeliveryStatus: Schema.NullOr(Schema.Int)
}) {}

/** Current SDK fields, plus the ones older SDKs read (`event`, `success`, `nextAttemptAt`). */
export class WebhookDeliveryView extends Schema.Class<WebhookDeliveryView>("WebhookDelivery")({
  id: Schema.Int,
  webhookId: Schema.Int,
  eventId: Schema.String,
  eventType: Schema.String,
  payload: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  /** The SDK's `WebhookDeliveryStatus`: an attempt under way is still `pending`, a delivered one `success`. */
  status: Schema.Literal("pending", "success", "failed"),
  statusCode: Schema.NullOr(Schema.Int),
  responseBody: Schema.NullOr(Schema.String),
  attempts: Schema.Int,
  nextRetryAt: Schema.NullOr(Schema.Date),
  deliveredAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date,
  event: Schema.String,
  success: Schema.Boolean,
  nextAttemptAt: Schema.NullOr(Schema.Date)
}) {}

/** `{ webhook, signingSecret }` plus the top-level `id` and `secret` the Terraform provider reads. */
export const WebhookWithSecretEnvelope = Schema.Struct({
  webhook: WebhookView,
  signingSecret: Schema.String,
  id: Schema.Int,
  secret: Schema.String,
  signing_secret: Schema.String
})

const Url = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(2048))
const Events = Schema.Array(WebhookEventName).pipe(Schema.minItems(1), Schema.maxItems(100))
const Description = Schema.NullOr(Schema.String.pipe(Schema.maxLength(500)))

export const CreateWebhookBody = Schema.Struct({
  url: Url,
  events: Events,
  description: Schema.optional(Description)
})

export const UpdateWebhookBody = Schema.Struct({
  url: Schema.optional(Url),
  events: Schema.optional(Events),
  enabled: Schema.optional(Schema.Boolean),
  description: Schema.optional(Description)
})

export const WebhookIdParam = IdParam("a webhook")
const idPath = Schema.Struct({ id: WebhookIdParam })

/** Both bodies may be absent (the SDK sends none, or `{}`). */
export const BatchReplayBody = Schema.NullOr(
  Schema.Struct({
    withinMinutes: Schema.optional(Schema.Int.pipe(Schema.between(1, 30 * 24 * 60))),
    eventType: Schema.optional(Schema.String.pipe(Schema.maxLength(100))),
    limit: Schema.optional(Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)))
  })
)
export const RotateSecretBody = Schema.NullOr(
  Schema.Struct({ graceHours: Schema.optional(Schema.Int.pipe(Schema.between(0, 168))) })
)

const Deliveries = Schema.Struct({
  deliveries: Schema.Array(WebhookDeliveryView),
  pagination: Pagination,
  data: Schema.Array(WebhookDeliveryView),
  meta: Pagination
})

/** `/webhooks`: every route needs a full-access key. */
export class WebhooksApi extends HttpApiGroup.make("webhooks")
  .add(
    HttpApiEndpoint.post("create", "/webhooks")
      .setPayload(CreateWebhookBody)
      .addSuccess(WebhookWithSecretEnvelope, { status: 201 })
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("list", "/webhooks").addSuccess(
      Schema.Struct({ webhooks: Schema.Array(WebhookView) })
    )
  )
  .add(
    HttpApiEndpoint.get("get", "/webhooks/:id")
      .setPath(idPath)
      .addSuccess(Schema.Struct({ webhook: WebhookView }))
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.patch("update", "/webhooks/:id")
      .setPath(idPath)
      .setPayload(UpdateWebhookBody)
      .addSuccess(Schema.Struct({ webhook: WebhookView }))
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.del("delete", "/webhooks/:id").setPath(idPath).addSuccess(Success).addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("test", "/webhooks/:id/test")
      .setPath(idPath)
      .addSuccess(
        Schema.Struct({
          success: Schema.Boolean,
          status_code: Schema.NullOr(Schema.Int),
          response_time_ms: Schema.Int
        })
      )
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("deliveries", "/webhooks/:id/deliveries")
      .setPath(idPath)
      .setUrlParams(
        Schema.Struct({
          page: Schema.optionalWith(PageParam, { default: () => 1 }),
          per_page: Schema.optionalWith(PerPageParam, { default: () => 20 }),
          /** Only deliveries showing this `status` (an addition; absent: every delivery). */
          status: Schema.optional(WebhookDeliveryView.fields.status)
        })
      )
      .addSuccess(Deliveries)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("batchReplay", "/webhooks/:id/deliveries/batch-replay")
      .setPath(idPath)
      .setPayload(BatchReplayBody)
      .addSuccess(Schema.Struct({ replayed: Schema.Int, remaining: Schema.Int }))
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("replay", "/webhooks/:id/deliveries/:deliveryId/replay")
      .setPath(
        Schema.Struct({
          id: WebhookIdParam,
          deliveryId: BigIdParam("a delivery")
        })
      )
      .addSuccess(Schema.Struct({ success: Schema.Literal(true) }))
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("rotateSecret", "/webhooks/:id/rotate-secret")
      .setPath(idPath)
      .setPayload(RotateSecretBody)
      .addSuccess(Schema.Struct({ webhook: WebhookView, signingSecret: Schema.String }))
      .addError(NotFoundJson)
  )
  .addError(ForbiddenJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Webhooks") {}
