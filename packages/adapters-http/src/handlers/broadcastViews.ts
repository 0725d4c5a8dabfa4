import type { BroadcastRead, VariantCounters } from "@poststack/application"
import { type BroadcastCounters, broadcastRate, type Variant } from "@poststack/domain"
import { BroadcastView } from "@poststack/contract"

export const broadcastView = ({ broadcast: b, counters }: BroadcastRead) =>
  BroadcastView.make(
    {
      id: b.id,
      publicId: b.publicId,
      name: b.name,
      subject: b.subject,
      status: b.status,
      from: b.fromName === null ? b.from : `${b.fromName} <${b.from}>`,
      replyTo: b.replyTo,
      html: b.html,
      text: b.text,
      segmentPublicId: b.segmentPublicId,
      topicPublicId: b.topicPublicId,
      segmentId: b.segmentId,
      totalRecipients: counters.totalRecipients,
      deliveredCount: counters.delivered,
      openedCount: counters.opened,
      clickedCount: counters.clicked,
      bouncedCount: counters.bounced,
      abTest:
        b.abTest === null
          ? null
          : {
              testSampleSize: b.abTest.samplePercent,
              testDurationMinutes: b.abTest.durationMinutes,
              winnerMetric: b.abTest.metric,
              winnerVariantId: b.winnerVariantId
            },
      createdAt: b.createdAt,
      sentAt: b.sentAt,
      scheduledAt: b.scheduledAt
    },
    { disableValidation: true }
  )

export const envelope = (read: BroadcastRead) => ({ broadcast: broadcastView(read) })

export const variantView = (v: Variant, c: BroadcastCounters) => ({
  id: v.id,
  name: v.name,
  subject: v.subject,
  weight: v.weight,
  deliveredCount: c.delivered,
  openedCount: c.opened,
  clickedCount: c.clicked
})

export const variantStatView = (v: Variant, c: BroadcastCounters) => ({
  ...variantView(v, c),
  recipientCount: c.totalRecipients,
  bouncedCount: c.bounced,
  openRate: broadcastRate(c.opened, c.delivered),
  clickRate: broadcastRate(c.clicked, c.delivered)
})

export const performanceRow = ({ broadcast: b, counters: c }: BroadcastRead) => ({
  id: b.publicId,
  subject: b.subject,
  status: b.status,
  sent_at: b.sentAt,
  total_recipients: c.totalRecipients,
  delivered: c.delivered,
  opened: c.opened,
  clicked: c.clicked,
  bounced: c.bounced,
  open_rate: broadcastRate(c.opened, c.delivered),
  click_rate: broadcastRate(c.clicked, c.delivered)
})

export type { VariantCounters }
