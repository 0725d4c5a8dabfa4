import type { ClaimedWebhookDelivery } from "@poststack/application"
import {
  Webhook,
  WebhookDelivery,
  WebhookDeliveryId,
  WebhookDeliveryStatus,
  type WebhookId
} from "@poststack/domain"
import { Schema } from "effect"
import { BigIntId, decodeRows } from "./PgRows.js"

/** The `webhooks` columns a `Webhook` reads, named as its fields. */
export const WEBHOOK_COLUMNS = `id, url, description, events, active, secret_prefix AS "secretPrefix",
  secret_rotated_at AS "secretRotatedAt", previous_secret_expires_at AS "previousSecretExpiresAt",
  consecutive_failures AS "consecutiveFailures", disabled_at AS "disabledAt", disabled_reason AS "disabledReason",
  last_delivery_at AS "lastDeliveryAt", last_delivery_status AS "lastDeliveryStatus", created_at AS "createdAt"`

/** `webhooks` rows selected with `WEBHOOK_COLUMNS`, as the domain's class. */
export const webhookRows = decodeRows("webhooks", Webhook)

/** The `webhook_deliveries` columns (and the event's) a `WebhookDelivery` is read from. */
export const DELIVERY_COLUMNS = `id, webhook_id AS "webhookId", event_public_id AS "eventId", event_type AS "eventType",
  data, event_created_at AS "eventCreatedAt", status, status_code AS "statusCode", response_body AS "responseBody",
  attempts, next_attempt_at AS "nextAttemptAt", delivered_at AS "deliveredAt", created_at AS "createdAt"`

const DeliveryFromRow = Schema.transform(
  Schema.Struct({
    ...WebhookDelivery.fields,
    id: BigIntId(WebhookDeliveryId),
    data: WebhookDelivery.fields.payload,
    eventCreatedAt: Schema.DateFromSelf,
    status: WebhookDeliveryStatus
  }).pipe(Schema.omit("payload")),
  Schema.typeSchema(WebhookDelivery),
  {
    strict: false,
    decode: ({ data, eventCreatedAt, ...row }) =>
      new WebhookDelivery(
        {
          ...row,
          // The body the endpoint was (or will be) sent.
          payload: { id: row.eventId, type: row.eventType, timestamp: eventCreatedAt.toISOString(), data },
          // Only a delivery still on its way has a next attempt.
          nextAttemptAt: row.status === "pending" || row.status === "sending" ? row.nextAttemptAt : null
        },
        true
      ),
    encode: ({ payload, ...delivery }) => ({
      ...delivery,
      data: payload.data,
      eventCreatedAt: new Date(String(payload.timestamp))
    })
  }
)

/** `webhook_deliveries` rows selected with `DELIVERY_COLUMNS`, as the domain's class. */
export const deliveryRows = decodeRows("webhook_deliveries", DeliveryFromRow)

export interface ClaimRow {
  readonly id: string
  readonly webhook_id: number
  readonly kind: ClaimedWebhookDelivery["kind"]
  readonly url: string
  readonly secret_sealed: Uint8Array
  readonly previous_secret_sealed: Uint8Array | null
  readonly event_public_id: string
  readonly event_type: string
  readonly event_created_at: Date
  readonly data: Record<string, unknown>
  readonly attempts: number
  readonly retry_until: Date
}

export const toClaimed = (row: ClaimRow): ClaimedWebhookDelivery => ({
  id: Number(row.id),
  webhookId: row.webhook_id as WebhookId,
  kind: row.kind,
  url: row.url,
  secretsSealed: [
    new Uint8Array(row.secret_sealed),
    ...(row.previous_secret_sealed === null ? [] : [new Uint8Array(row.previous_secret_sealed)])
  ],
  eventId: row.event_public_id,
  eventType: row.event_type,
  eventCreatedAt: row.event_created_at,
  data: row.data,
  attempts: row.attempts,
  retryUntil: row.retry_until
})
