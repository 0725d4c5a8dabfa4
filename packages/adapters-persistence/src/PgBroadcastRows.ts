import type { SqlClient } from "@effect/sql"
import type { VariantCounters } from "@poststack/application"
import {
  AbTest,
  Broadcast,
  type BroadcastCounters,
  type BroadcastId,
  type BroadcastPublicId,
  type BroadcastStatus,
  type ExpansionPhase,
  Variant,
  type WinnerMetric,
  zeroCounters
} from "@poststack/domain"

/** A `broadcasts` row with its segment's and topic's public ids (see `BROADCAST_SELECT`). */
export interface BroadcastRow {
  readonly id: number
  readonly public_id: string
  readonly team_id: number
  readonly name: string | null
  readonly subject: string
  readonly html_body: string | null
  readonly text_body: string | null
  readonly from_address: string
  readonly from_name: string | null
  readonly reply_to: string | null
  readonly domain_id: number | null
  readonly segment_id: number | null
  readonly segment_public_id: string | null
  readonly topic_id: number | null
  readonly topic_public_id: string | null
  readonly status: BroadcastStatus
  readonly test_mode: boolean
  readonly ab_sample_percent: number | null
  readonly ab_duration_minutes: number | null
  readonly ab_metric: WinnerMetric | null
  readonly winner_variant_id: number | null
  readonly phase: ExpansionPhase
  readonly cursor_contact_id: number
  readonly sample_target: number | null
  readonly scheduled_at: Date | null
  readonly sent_at: Date | null
  readonly created_at: Date
  readonly updated_at: Date
}

export const broadcastSelect = (sql: SqlClient.SqlClient) =>
  sql`SELECT b.id, b.public_id, b.team_id, b.name, b.subject, b.html_body, b.text_body, b.from_address, b.from_name,
      b.reply_to, b.domain_id, b.segment_id, s.public_id AS segment_public_id, b.topic_id,
      t.public_id AS topic_public_id, b.status, b.test_mode, b.ab_sample_percent, b.ab_duration_minutes, b.ab_metric,
      b.winner_variant_id, b.phase, b.cursor_contact_id, b.sample_target, b.scheduled_at, b.sent_at, b.created_at,
      b.updated_at
    FROM broadcasts b
    LEFT JOIN segments s ON s.id = b.segment_id
    LEFT JOIN subscription_topics t ON t.id = b.topic_id`

export const toBroadcast = (row: BroadcastRow): Broadcast =>
  Broadcast.make(
    {
      id: row.id as BroadcastId,
      publicId: row.public_id as BroadcastPublicId,
      teamId: row.team_id,
      name: row.name,
      subject: row.subject,
      html: row.html_body,
      text: row.text_body,
      from: row.from_address,
      fromName: row.from_name,
      replyTo: row.reply_to,
      domainId: row.domain_id,
      segmentId: row.segment_id,
      segmentPublicId: row.segment_public_id,
      topicId: row.topic_id,
      topicPublicId: row.topic_public_id,
      status: row.status,
      testMode: row.test_mode,
      abTest:
        row.ab_sample_percent === null
          ? null
          : AbTest.make(
              {
                samplePercent: row.ab_sample_percent,
                durationMinutes: row.ab_duration_minutes ?? 120,
                metric: row.ab_metric ?? "open_rate"
              },
              { disableValidation: true }
            ),
      winnerVariantId: row.winner_variant_id,
      phase: row.phase,
      cursor: row.cursor_contact_id,
      sampleTarget: row.sample_target,
      scheduledAt: row.scheduled_at,
      sentAt: row.sent_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at
    },
    { disableValidation: true }
  )

export interface VariantRow {
  readonly id: number
  readonly broadcast_id: number
  readonly position: number
  readonly name: string
  readonly subject: string
  readonly html_body: string | null
  readonly text_body: string | null
  readonly weight: number
}

export const toVariant = (row: VariantRow): Variant =>
  Variant.make(
    {
      id: row.id,
      position: row.position,
      name: row.name,
      subject: row.subject,
      html: row.html_body,
      text: row.text_body,
      weight: row.weight
    },
    { disableValidation: true }
  )

interface CounterRow {
  readonly broadcast_id: number
  readonly variant_id: number | null
  readonly total: number
  readonly delivered: number
  readonly opened: number
  readonly clicked: number
  readonly bounced: number
}

/**
 * Counts per broadcast and variant, from the broadcasts' own emails: each has exactly one delivery
 * (its recipient), so delivered and bounced are that delivery's state, and an email counts as
 * opened or clicked once however often its reader did it.
 */
export const countersOf = (sql: SqlClient.SqlClient, ids: ReadonlyArray<number>) =>
  sql<CounterRow>`
    SELECT e.broadcast_id, e.broadcast_variant_id AS variant_id, count(*)::int AS total,
      count(*) FILTER (WHERE d.status = 'delivered')::int AS delivered,
      count(*) FILTER (WHERE d.status = 'bounced')::int AS bounced,
      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM email_events ev WHERE ev.email_id = e.id AND ev.event_type = 'opened'))::int AS opened,
      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM email_events ev WHERE ev.email_id = e.id AND ev.event_type = 'clicked'))::int AS clicked
    FROM emails e JOIN deliveries d ON d.email_id = e.id
    WHERE e.broadcast_id = ANY(${ids as Array<number>})
    GROUP BY e.broadcast_id, e.broadcast_variant_id`

const add = (a: BroadcastCounters, r: CounterRow): BroadcastCounters => ({
  totalRecipients: a.totalRecipients + r.total,
  delivered: a.delivered + r.delivered,
  opened: a.opened + r.opened,
  clicked: a.clicked + r.clicked,
  bounced: a.bounced + r.bounced
})

export const sumByBroadcast = (rows: ReadonlyArray<CounterRow>) => {
  const byId = new Map<number, BroadcastCounters>()
  for (const r of rows) byId.set(r.broadcast_id, add(byId.get(r.broadcast_id) ?? zeroCounters, r))
  return byId
}

export const byVariant = (rows: ReadonlyArray<CounterRow>): ReadonlyArray<VariantCounters> =>
  rows
    .filter((r) => r.variant_id !== null)
    .map((r) => ({ variantId: r.variant_id as number, ...add(zeroCounters, r) }))
