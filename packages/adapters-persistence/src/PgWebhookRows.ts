import type { ClaimedWebhookDelivery } from "@poststack/application"
import type { Webhook, WebhookDelivery, WebhookDeliveryStatus, WebhookId } from "@poststack/domain"

export interface WebhookRow {
  readonly id: number
  readonly url: string
  readonly description: string | null
  readonly events: ReadonlyArray<string>
  readonly active: boolean
  readonly secret_prefix: string
  readonly secret_rotated_at: Date | null
  readonly previous_secret_expires_at: Date | null
  readonly consecutive_failures: number
  readonly disabled_at: Date | null
  readonly disabled_reason: string | null
  readonly last_delivery_at: Date | null
  readonly last_delivery_status: number | null
  readonly created_at: Date
}

export const WEBHOOK_COLUMNS = `id, url, description, events, active, secret_prefix, secret_rotated_at,
  previous_secret_expires_at, consecutive_failures, disabled_at, disabled_reason, last_delivery_at,
  last_delivery_status, created_at`

export const toWebhook = (row: WebhookRow): Webhook => ({
  id: row.id as WebhookId,
  url: row.url,
  description: row.description,
  events: row.events,
  active: row.active,
  secretPrefix: row.secret_prefix,
  secretRotatedAt: row.secret_rotated_at,
  previousSecretExpiresAt: row.previous_secret_expires_at,
  consecutiveFailures: row.consecutive_failures,
  disabledAt: row.disabled_at,
  disabledReason: row.disabled_reason,
  lastDeliveryAt: row.last_delivery_at,
  lastDeliveryStatus: row.last_delivery_status,
  createdAt: row.created_at
})

export interface DeliveryRow {
  readonly id: string
  readonly webhook_id: number
  readonly event_public_id: string
  readonly event_type: string
  readonly data: Record<string, unknown>
  readonly event_created_at: Date
  readonly status: WebhookDeliveryStatus
  readonly status_code: number | null
  readonly response_body: string | null
  readonly attempts: number
  readonly next_attempt_at: Date | null
  readonly delivered_at: Date | null
  readonly created_at: Date
}

export const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: Number(row.id),
  webhookId: row.webhook_id as WebhookId,
  eventId: row.event_public_id,
  eventType: row.event_type,
  payload: {
    id: row.event_public_id,
    type: row.event_type,
    timestamp: row.event_created_at.toISOString(),
    data: row.data
  },
  status: row.status,
  statusCode: row.status_code,
  responseBody: row.response_body,
  attempts: row.attempts,
  nextAttemptAt: row.status === "pending" || row.status === "sending" ? row.next_attempt_at : null,
  deliveredAt: row.delivered_at,
  createdAt: row.created_at
})

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
