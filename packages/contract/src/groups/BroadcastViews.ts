import { BroadcastStatus } from "@poststack/domain"
import { Schema } from "effect"

/** A broadcast as clients see it: the stored row camelCased with its exact counters. */
export class BroadcastView extends Schema.Class<BroadcastView>("Broadcast")({
  id: Schema.Int,
  publicId: Schema.String,
  name: Schema.NullOr(Schema.String),
  subject: Schema.String,
  status: BroadcastStatus,
  from: Schema.String,
  replyTo: Schema.NullOr(Schema.String),
  html: Schema.NullOr(Schema.String),
  text: Schema.NullOr(Schema.String),
  segmentPublicId: Schema.NullOr(Schema.String),
  topicPublicId: Schema.NullOr(Schema.String),
  /** Deprecated upstream; kept for older clients. */
  segmentId: Schema.NullOr(Schema.Int),
  totalRecipients: Schema.Int,
  deliveredCount: Schema.Int,
  openedCount: Schema.Int,
  clickedCount: Schema.Int,
  bouncedCount: Schema.Int,
  abTest: Schema.NullOr(
    Schema.Struct({
      testSampleSize: Schema.Int,
      testDurationMinutes: Schema.Int,
      winnerMetric: Schema.Literal("open_rate", "click_rate"),
      winnerVariantId: Schema.NullOr(Schema.Int)
    })
  ),
  createdAt: Schema.Date,
  sentAt: Schema.NullOr(Schema.Date),
  scheduledAt: Schema.NullOr(Schema.Date)
}) {}

export const BroadcastEnvelope = Schema.Struct({ broadcast: BroadcastView })

export const VariantView = Schema.Struct({
  id: Schema.Int,
  name: Schema.String,
  subject: Schema.String,
  weight: Schema.Int,
  deliveredCount: Schema.Int,
  openedCount: Schema.Int,
  clickedCount: Schema.Int
})

export const VariantStatView = Schema.Struct({
  ...VariantView.fields,
  recipientCount: Schema.Int,
  bouncedCount: Schema.Int,
  openRate: Schema.Number,
  clickRate: Schema.Number
})

/** A performance row: snake_case, as the SDK reads it. */
export const PerformanceRow = Schema.Struct({
  id: Schema.String,
  subject: Schema.String,
  status: BroadcastStatus,
  sent_at: Schema.NullOr(Schema.Date),
  total_recipients: Schema.Int,
  delivered: Schema.Int,
  opened: Schema.Int,
  clicked: Schema.Int,
  bounced: Schema.Int,
  open_rate: Schema.Number,
  click_rate: Schema.Number
})

export const VariantStatsAnswer = Schema.Struct({
  variants: Schema.Array(VariantStatView),
  winnerVariantId: Schema.NullOr(Schema.Int),
  /** What older SDKs read. */
  winner: Schema.optional(Schema.Struct({ variantId: Schema.Int, metric: Schema.String }))
})

export const UnengagedAnswer = Schema.Struct({
  broadcast: Schema.Struct({ id: Schema.String, subject: Schema.String }),
  count: Schema.Int,
  contacts: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      email: Schema.String,
      first_name: Schema.NullOr(Schema.String),
      last_name: Schema.NullOr(Schema.String)
    })
  )
})

export const ResendAnswer = Schema.Struct({
  broadcast: Schema.Struct({ id: Schema.String, subject: Schema.String, status: BroadcastStatus }),
  segment: Schema.Struct({ id: Schema.String, name: Schema.String }),
  recipientCount: Schema.Int
})
