import { Schema } from "effect"

/** A broadcast's row id. */
export const BroadcastId = Schema.Int.pipe(Schema.brand("BroadcastId"))
export type BroadcastId = typeof BroadcastId.Type

/** A broadcast's public id, `brd_` and 24 lower-case hex digits. */
export const BroadcastPublicId = Schema.String.pipe(
  Schema.pattern(/^brd_[0-9a-f]{24}$/),
  Schema.brand("BroadcastPublicId")
)
export type BroadcastPublicId = typeof BroadcastPublicId.Type

export const newBroadcastPublicId = (): BroadcastPublicId =>
  `brd_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}` as BroadcastPublicId

/**
 * The SDK's `BroadcastStatus`. A scheduled broadcast is `queued` with a `scheduledAt` in the future:
 * the SDK has no `scheduled` literal.
 */
export const BroadcastStatus = Schema.Literal("draft", "queued", "sending", "sent", "cancelled")
export type BroadcastStatus = typeof BroadcastStatus.Type

/** How an A/B test's winner is chosen. */
export const WinnerMetric = Schema.Literal("open_rate", "click_rate")
export type WinnerMetric = typeof WinnerMetric.Type

/**
 * Where the worker is in a broadcast's expansion: the test sample, waiting for the test window,
 * the rest of the audience (or everyone when there is no test), or finished.
 */
export const ExpansionPhase = Schema.Literal("idle", "sample", "waiting", "rest", "done")
export type ExpansionPhase = typeof ExpansionPhase.Type

/** One A/B variant's content and its share of the test sample. */
export class Variant extends Schema.Class<Variant>("Variant")({
  id: Schema.Int,
  position: Schema.Int,
  name: Schema.String,
  subject: Schema.String,
  html: Schema.NullOr(Schema.String),
  text: Schema.NullOr(Schema.String),
  weight: Schema.Int
}) {}

export class AbTest extends Schema.Class<AbTest>("AbTest")({
  samplePercent: Schema.Int,
  durationMinutes: Schema.Int,
  metric: WinnerMetric
}) {}

/** One message to a segment's contacts, sent through the ordinary delivery pipeline. */
export class Broadcast extends Schema.Class<Broadcast>("Broadcast")({
  id: BroadcastId,
  publicId: BroadcastPublicId,
  teamId: Schema.Int,
  name: Schema.NullOr(Schema.String),
  subject: Schema.String,
  html: Schema.NullOr(Schema.String),
  text: Schema.NullOr(Schema.String),
  from: Schema.String,
  fromName: Schema.NullOr(Schema.String),
  replyTo: Schema.NullOr(Schema.String),
  domainId: Schema.NullOr(Schema.Int),
  segmentId: Schema.NullOr(Schema.Int),
  segmentPublicId: Schema.NullOr(Schema.String),
  topicId: Schema.NullOr(Schema.Int),
  topicPublicId: Schema.NullOr(Schema.String),
  status: BroadcastStatus,
  testMode: Schema.Boolean,
  abTest: Schema.NullOr(AbTest),
  winnerVariantId: Schema.NullOr(Schema.Int),
  phase: ExpansionPhase,
  /** The last contact id the expansion wrote (contacts are walked in id order). */
  cursor: Schema.Int,
  /** How many recipients the A/B sample takes, fixed when the send starts. */
  sampleTarget: Schema.NullOr(Schema.Int),
  scheduledAt: Schema.NullOr(Schema.Date),
  sentAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

/** Exact counts from the broadcast's emails, deliveries and events. */
export interface BroadcastCounters {
  readonly totalRecipients: number
  readonly delivered: number
  readonly opened: number
  readonly clicked: number
  readonly bounced: number
}

export const zeroCounters: BroadcastCounters = {
  totalRecipients: 0,
  delivered: 0,
  opened: 0,
  clicked: 0,
  bounced: 0
}

/** Only a draft can be edited. */
export const canUpdateBroadcast = (status: BroadcastStatus) => status === "draft"
/** Only a draft can be sent (a scheduled one is already queued). */
export const canSendBroadcast = (status: BroadcastStatus) => status === "draft"
/**
 * What a cancel can stop: a queued or sending broadcast, and a sent one while some of its mail
 * still waits in the delivery queue (`sent` says every recipient was handed to the queue, not to
 * a mail server). Drafts, cancelled broadcasts and sent ones with nothing left waiting cannot.
 */
export const canCancelBroadcast = (status: BroadcastStatus, mailWaiting: boolean) =>
  status === "queued" || status === "sending" || (status === "sent" && mailWaiting)

/** A rate in 0-1 over delivered mail (0 when nothing was delivered). */
export const broadcastRate = (part: number, delivered: number) => (delivered === 0 ? 0 : part / delivered)
