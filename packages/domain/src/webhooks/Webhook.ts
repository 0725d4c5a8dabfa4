import { Schema } from "effect"

export const WebhookId = Schema.Int.pipe(Schema.brand("WebhookId"))
export type WebhookId = typeof WebhookId.Type

/** An event name (`email.delivered`, `inbound_email.received`) or `*` for every event. */
export const WebhookEventName = Schema.String.pipe(
  Schema.pattern(/^(\*|[a-z][a-z_]*(\.[a-z][a-z_]*)+)$/, {
    message: () => "events must be event names like email.delivered, or *"
  }),
  Schema.maxLength(100)
)

/** A registered endpoint, as its team sees it (never its secret). */
export interface Webhook {
  readonly id: WebhookId
  readonly url: string
  readonly description: string | null
  readonly events: ReadonlyArray<string>
  readonly active: boolean
  readonly secretPrefix: string
  readonly secretRotatedAt: Date | null
  readonly previousSecretExpiresAt: Date | null
  readonly consecutiveFailures: number
  readonly disabledAt: Date | null
  readonly disabledReason: string | null
  readonly lastDeliveryAt: Date | null
  readonly lastDeliveryStatus: number | null
  readonly createdAt: Date
}

export type WebhookDeliveryStatus = "pending" | "sending" | "delivered" | "failed"

/** One event on its way to one endpoint; `statusCode` and `responseBody` are the last attempt's. */
export interface WebhookDelivery {
  readonly id: number
  readonly webhookId: WebhookId
  readonly eventId: string
  readonly eventType: string
  readonly payload: Readonly<Record<string, unknown>>
  readonly status: WebhookDeliveryStatus
  readonly statusCode: number | null
  readonly responseBody: string | null
  readonly attempts: number
  readonly nextAttemptAt: Date | null
  readonly deliveredAt: Date | null
  readonly createdAt: Date
}

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
