import { type ClaimedWebhookDelivery, WebhookRepository } from "@poststack/application"
import {
  type TeamId,
  type Webhook,
  type WebhookDelivery,
  WebhookDeliveryId,
  type WebhookDeliveryStatus,
  type WebhookId
} from "@poststack/domain"
import { Context, Effect, Layer, Option } from "effect"

interface StoredWebhook {
  readonly teamId: TeamId
  webhook: Webhook
  secretSealed: Uint8Array
  previousSecretSealed: Uint8Array | null
}

interface StoredDelivery {
  readonly id: number
  readonly teamId: TeamId
  readonly webhookId: WebhookId
  readonly eventId: string
  readonly eventType: string
  readonly data: Readonly<Record<string, unknown>>
  readonly eventCreatedAt: Date
  readonly createdAt: Date
  status: WebhookDeliveryStatus
  attempts: number
  nextAttemptAt: Date | null
  retryUntil: Date | null
  deliveredAt: Date | null
}

const toDelivery = (d: StoredDelivery): WebhookDelivery => ({
  id: WebhookDeliveryId.make(d.id),
  webhookId: d.webhookId,
  eventId: d.eventId,
  eventType: d.eventType,
  payload: { id: d.eventId, type: d.eventType, timestamp: d.eventCreatedAt.toISOString(), data: d.data },
  status: d.status,
  statusCode: null,
  responseBody: null,
  attempts: d.attempts,
  nextAttemptAt: d.status === "pending" || d.status === "sending" ? d.nextAttemptAt : null,
  deliveredAt: d.deliveredAt,
  createdAt: d.createdAt
})

/**
 * Webhook endpoints and their delivery log in process memory, for use-case tests and tools; the
 * same contract suite runs against `PgWebhookRepository`. Attempts are not sent from here: the
 * `MemoryWebhookDeliveries` seam settles a delivery as a worker would.
 */
export const make = Effect.sync(() => {
  const webhooks = new Map<WebhookId, StoredWebhook>()
  const deliveries = new Map<number, StoredDelivery>()
  let nextWebhookId = 1
  let nextDeliveryId = 1

  const owned = (teamId: TeamId, id: WebhookId) => {
    const stored = webhooks.get(id)
    return stored !== undefined && stored.teamId === teamId ? stored : undefined
  }
  const change = (stored: StoredWebhook, changes: Partial<Webhook>) => {
    stored.webhook = { ...stored.webhook, ...changes }
    return stored.webhook
  }
  const deliveriesOf = (teamId: TeamId, id: WebhookId) =>
    [...deliveries.values()].filter((d) => d.teamId === teamId && d.webhookId === id)

  const repository = WebhookRepository.of({
    create: (teamId, input) =>
      Effect.sync(() => {
        const webhook: Webhook = {
          id: nextWebhookId++ as WebhookId,
          url: input.url,
          description: input.description,
          events: [...input.events],
          active: true,
          secretPrefix: input.secretPrefix,
          secretRotatedAt: null,
          previousSecretExpiresAt: null,
          consecutiveFailures: 0,
          disabledAt: null,
          disabledReason: null,
          lastDeliveryAt: null,
          lastDeliveryStatus: null,
          createdAt: new Date()
        }
        webhooks.set(webhook.id, {
          teamId,
          webhook,
          secretSealed: input.secretSealed,
          previousSecretSealed: null
        })
        return webhook
      }),
    list: (teamId) =>
      Effect.sync(() => [...webhooks.values()].filter((w) => w.teamId === teamId).map((w) => w.webhook)),
    get: (teamId, id) => Effect.sync(() => Option.fromNullable(owned(teamId, id)?.webhook)),
    update: (teamId, id, changes) =>
      Effect.sync(() => {
        const stored = owned(teamId, id)
        if (stored === undefined) return Option.none()
        return Option.some(
          change(stored, {
            ...(changes.url === undefined ? {} : { url: changes.url }),
            ...(changes.description === undefined ? {} : { description: changes.description }),
            ...(changes.events === undefined ? {} : { events: [...changes.events] }),
            ...(changes.active === undefined
              ? {}
              : changes.active
                ? { active: true, disabledAt: null, disabledReason: null, consecutiveFailures: 0 }
                : { active: false })
          })
        )
      }),
    delete: (teamId, id) =>
      Effect.sync(() => {
        if (owned(teamId, id) === undefined) return false
        webhooks.delete(id)
        for (const d of deliveriesOf(teamId, id)) deliveries.delete(d.id)
        return true
      }),
    rotateSecret: (teamId, id, secret, previousExpiresAt) =>
      Effect.sync(() => {
        const stored = owned(teamId, id)
        if (stored === undefined) return Option.none()
        stored.previousSecretSealed = previousExpiresAt === null ? null : stored.secretSealed
        stored.secretSealed = secret.sealed
        return Option.some(
          change(stored, {
            secretPrefix: secret.prefix,
            secretRotatedAt: new Date(),
            previousSecretExpiresAt: previousExpiresAt
          })
        )
      }),
    deliveries: (teamId, id, { page, perPage, statuses }) =>
      Effect.sync(() => {
        const all = deliveriesOf(teamId, id)
          .filter((d) => statuses === undefined || statuses.includes(d.status))
          .sort((a, b) => b.id - a.id)
        return { rows: all.slice((page - 1) * perPage, page * perPage).map(toDelivery), total: all.length }
      }),
    replay: (teamId, id, deliveryId) =>
      Effect.sync(() => {
        const d = deliveries.get(deliveryId)
        if (d === undefined || d.teamId !== teamId || d.webhookId !== id || owned(teamId, id) === undefined)
          return false
        Object.assign(d, {
          status: "pending",
          nextAttemptAt: new Date(),
          retryUntil: null,
          deliveredAt: null
        })
        return true
      }),
    replayFailed: (teamId, id, filter) =>
      Effect.sync(() => {
        const matching = deliveriesOf(teamId, id)
          .filter(
            (d) =>
              d.status === "failed" &&
              d.createdAt.getTime() >= filter.since.getTime() &&
              (filter.eventType === undefined || d.eventType === filter.eventType)
          )
          .sort((a, b) => a.id - b.id)
        const picked = matching.slice(0, filter.limit)
        for (const d of picked)
          Object.assign(d, { status: "pending", nextAttemptAt: new Date(), retryUntil: null })
        return { replayed: picked.length, remaining: matching.length - picked.length }
      }),
    claimTestDelivery: (teamId, id, event) =>
      Effect.sync(() => {
        const stored = owned(teamId, id)
        if (stored === undefined) return Option.none()
        const now = new Date()
        const delivery: StoredDelivery = {
          id: nextDeliveryId++,
          teamId,
          webhookId: id,
          eventId: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
          eventType: event.type,
          data: event.data,
          eventCreatedAt: now,
          createdAt: now,
          status: "sending",
          attempts: 1,
          nextAttemptAt: now,
          retryUntil: now,
          deliveredAt: null
        }
        deliveries.set(delivery.id, delivery)
        const previousValid =
          stored.previousSecretSealed !== null &&
          (stored.webhook.previousSecretExpiresAt?.getTime() ?? 0) > now.getTime()
        return Option.some<ClaimedWebhookDelivery>({
          id: delivery.id,
          webhookId: id,
          kind: "webhook",
          url: stored.webhook.url,
          secretsSealed: [
            stored.secretSealed,
            ...(previousValid && stored.previousSecretSealed !== null ? [stored.previousSecretSealed] : [])
          ],
          eventId: delivery.eventId,
          eventType: delivery.eventType,
          eventCreatedAt: delivery.eventCreatedAt,
          data: delivery.data,
          attempts: 1,
          retryUntil: now
        })
      })
  })

  const settle = (deliveryId: number, status: WebhookDeliveryStatus) =>
    Effect.sync(() => {
      const d = deliveries.get(deliveryId)
      if (d === undefined) return
      d.status = status
      d.deliveredAt = status === "delivered" ? new Date() : d.deliveredAt
    })

  return { repository, settle }
})

/** Test seam: ends a delivery as a worker's attempt would (`delivered`, or `failed` for good). */
export class MemoryWebhookDeliveries extends Context.Tag(
  "@poststack/adapters-persistence/MemoryWebhookDeliveries"
)<
  MemoryWebhookDeliveries,
  { readonly settle: (deliveryId: number, status: WebhookDeliveryStatus) => Effect.Effect<void> }
>() {}

export const layer = Layer.effectContext(
  Effect.map(make, (m) =>
    Context.make(WebhookRepository, m.repository).pipe(
      Context.add(MemoryWebhookDeliveries, { settle: m.settle })
    )
  )
)
