import { Schema } from "effect"
import { rowIdFrom } from "../RowId.js"

export const WebhookId = Schema.Int.pipe(Schema.brand("WebhookId"))
export type WebhookId = typeof WebhookId.Type

/**
 * The endpoint a workflow's text names (`"12"`): plain decimal digits within the id column's
 * range, else none (so `"2147483648"` is an unknown endpoint, not a failed query).
 */
export const webhookIdFrom = (text: string): WebhookId | null => {
  const id = rowIdFrom(text)
  return id === undefined ? null : WebhookId.make(id)
}

/** An event name (`email.delivered`, `inbound_email.received`) or `*` for every event. */
export const WebhookEventName = Schema.String.pipe(
  Schema.pattern(/^(\*|[a-z][a-z_]*(\.[a-z][a-z_]*)+)$/, {
    message: () => "events must be event names like email.delivered, or *"
  }),
  Schema.maxLength(100)
)

/** A registered endpoint, as its team sees it (never its secret). */
export class Webhook extends Schema.Class<Webhook>("Webhook")({
  id: WebhookId,
  url: Schema.String,
  description: Schema.NullOr(Schema.String),
  events: Schema.Array(Schema.String),
  active: Schema.Boolean,
  secretPrefix: Schema.String,
  secretRotatedAt: Schema.NullOr(Schema.DateFromSelf),
  previousSecretExpiresAt: Schema.NullOr(Schema.DateFromSelf),
  consecutiveFailures: Schema.Int,
  disabledAt: Schema.NullOr(Schema.DateFromSelf),
  disabledReason: Schema.NullOr(Schema.String),
  lastDeliveryAt: Schema.NullOr(Schema.DateFromSelf),
  lastDeliveryStatus: Schema.NullOr(Schema.Int),
  createdAt: Schema.DateFromSelf
}) {}

export const WebhookDeliveryStatus = Schema.Literal("pending", "sending", "delivered", "failed")
export type WebhookDeliveryStatus = typeof WebhookDeliveryStatus.Type

export const WebhookDeliveryId = Schema.Int.pipe(Schema.positive(), Schema.brand("WebhookDeliveryId"))
export type WebhookDeliveryId = typeof WebhookDeliveryId.Type

/** One event on its way to one endpoint; `statusCode` and `responseBody` are the last attempt's. */
export class WebhookDelivery extends Schema.Class<WebhookDelivery>("WebhookDelivery")({
  id: WebhookDeliveryId,
  webhookId: WebhookId,
  eventId: Schema.String,
  eventType: Schema.String,
  payload: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  status: WebhookDeliveryStatus,
  statusCode: Schema.NullOr(Schema.Int),
  responseBody: Schema.NullOr(Schema.String),
  attempts: Schema.Int,
  nextAttemptAt: Schema.NullOr(Schema.DateFromSelf),
  deliveredAt: Schema.NullOr(Schema.DateFromSelf),
  createdAt: Schema.DateFromSelf
}) {}

/** Whether an endpoint subscribed to `events` receives an event of `type`. */
export const subscribes = (events: ReadonlyArray<string>, type: string): boolean =>
  events.includes("*") || events.includes(type)

/** The part of a secret shown after creation: the scheme and a few characters to tell secrets apart. */
export const maskSecret = (secret: string): string => `${secret.slice(0, 10)}…`

/** The JSON envelope every receiver gets. */
export const webhookEnvelope = (event: {
  readonly id: string
  readonly type: string
  readonly timestamp: Date
  readonly data: Readonly<Record<string, unknown>>
}): string =>
  JSON.stringify({
    id: event.id,
    type: event.type,
    timestamp: event.timestamp.toISOString(),
    data: event.data
  })

/** Largest part of a receiver's answer kept with an attempt. */
export const RESPONSE_SNIPPET_CHARS = 1024
