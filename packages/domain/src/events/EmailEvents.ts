import { Schema } from "effect"
import { SuppressionReason } from "../suppressions/Suppression.js"
import { eventSchema, optional, Timestamp } from "./Event.js"

/**
 * What every `email.*` event says about its email, so a receiver needs no second call: the public
 * id, sender, `to` recipients, subject, tags, whether a test key sent it, and when the event
 * happened.
 */
export const EmailSummary = {
  email_id: Schema.String,
  /** `Name <address>`, or the bare address. */
  from: Schema.String,
  to: Schema.Array(Schema.String),
  subject: Schema.String,
  tags: Schema.Array(Schema.String),
  test_mode: Schema.Boolean,
  created_at: Timestamp
}

/** The email a summary is made from. */
export interface SummarizedEmail {
  readonly publicId: string
  readonly fromAddress: string
  readonly fromName: string | null
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly tags: ReadonlyArray<string>
  readonly testMode: boolean
}

/** The summary part of an `email.*` event's data. */
export const emailSummary = (email: SummarizedEmail, at: Date) => ({
  email_id: email.publicId,
  from: email.fromName === null ? email.fromAddress : `${email.fromName} <${email.fromAddress}>`,
  to: email.to,
  subject: email.subject,
  tags: email.tags,
  test_mode: email.testMode,
  created_at: at.toISOString()
})

// What one attempt reports; the simulator (test mode) sends some of it with `simulated: true`.
const attempt = {
  recipient: Schema.String,
  mx: optional(Schema.NullOr(Schema.String)),
  reply: optional(Schema.String),
  attempt: optional(Schema.Number),
  simulated: optional(Schema.Boolean)
}

// What a delivery status notification (RFC 3464) says about a recipient.
const report = {
  status: optional(Schema.String),
  action: optional(Schema.String),
  diagnostic: optional(Schema.NullOr(Schema.String)),
  source: optional(Schema.Literal("dsn"))
}

/** The facts each email event adds to the summary, by the event's type in the email's history. */
export const EmailEventFacts = {
  queued: {},
  scheduled: { scheduled_at: Timestamp, rescheduled: optional(Schema.Literal(true)) },
  /** Not sent to this recipient: the suppression entry that stopped it, at acceptance or at delivery. */
  suppressed: {
    recipient: Schema.String,
    reason: SuppressionReason,
    suppression_id: Schema.Number,
    at: optional(Schema.Literal("delivery"))
  },
  sent: attempt,
  delivered: attempt,
  deferred: { ...attempt, next_attempt_at: optional(Timestamp) },
  bounced: { ...attempt, ...report, hard: Schema.Boolean },
  soft_bounced: { recipient: Schema.String, ...report, hard: Schema.Boolean },
  failed: { ...attempt, reason: Schema.String },
  complained: {
    recipient: Schema.String,
    feedback_type: Schema.String,
    user_agent: optional(Schema.NullOr(Schema.String)),
    source: optional(Schema.Literal("arf")),
    simulated: optional(Schema.Boolean)
  },
  opened: engagement(),
  clicked: { ...engagement(), url: Schema.String },
  unsubscribed: {
    recipient: Schema.String,
    via: Schema.Literal("one_click", "page"),
    suppression_id: Schema.Number,
    occurred_at: Timestamp
  },
  cancelled: {}
} as const

function engagement() {
  return {
    recipient: Schema.String,
    user_agent: Schema.String,
    /** The reader's network (the address truncated), never the full address. */
    ip: Schema.NullOr(Schema.String),
    client: Schema.Struct({
      name: Schema.NullOr(Schema.String),
      type: Schema.NullOr(Schema.Literal("browser", "email_client", "proxy", "bot")),
      os: Schema.NullOr(Schema.String)
    }),
    device: Schema.NullOr(Schema.String),
    is_prefetch: Schema.Boolean,
    location: Schema.Struct({
      country: Schema.NullOr(Schema.String),
      region: Schema.NullOr(Schema.String),
      city: Schema.NullOr(Schema.String)
    })
  }
}

/** An email event's type in its history (`delivered`); its webhook type is `email.<type>`. */
export type EmailFactType = keyof typeof EmailEventFacts

export const EmailQueued = eventSchema("email.queued", { ...EmailSummary, ...EmailEventFacts.queued })
export const EmailScheduled = eventSchema("email.scheduled", {
  ...EmailSummary,
  ...EmailEventFacts.scheduled
})
export const EmailSuppressed = eventSchema("email.suppressed", {
  ...EmailSummary,
  ...EmailEventFacts.suppressed
})
export const EmailSent = eventSchema("email.sent", { ...EmailSummary, ...EmailEventFacts.sent })
export const EmailDelivered = eventSchema("email.delivered", {
  ...EmailSummary,
  ...EmailEventFacts.delivered
})
export const EmailDeferred = eventSchema("email.deferred", { ...EmailSummary, ...EmailEventFacts.deferred })
export const EmailBounced = eventSchema("email.bounced", { ...EmailSummary, ...EmailEventFacts.bounced })
export const EmailSoftBounced = eventSchema("email.soft_bounced", {
  ...EmailSummary,
  ...EmailEventFacts.soft_bounced
})
export const EmailFailed = eventSchema("email.failed", { ...EmailSummary, ...EmailEventFacts.failed })
export const EmailComplained = eventSchema("email.complained", {
  ...EmailSummary,
  ...EmailEventFacts.complained
})
export const EmailOpened = eventSchema("email.opened", { ...EmailSummary, ...EmailEventFacts.opened })
export const EmailClicked = eventSchema("email.clicked", { ...EmailSummary, ...EmailEventFacts.clicked })
export const EmailUnsubscribed = eventSchema("email.unsubscribed", {
  ...EmailSummary,
  ...EmailEventFacts.unsubscribed
})
export const EmailCancelled = eventSchema("email.cancelled", {
  ...EmailSummary,
  ...EmailEventFacts.cancelled
})

export const EmailWebhookEvent = Schema.Union(
  EmailQueued,
  EmailScheduled,
  EmailSuppressed,
  EmailSent,
  EmailDelivered,
  EmailDeferred,
  EmailBounced,
  EmailSoftBounced,
  EmailFailed,
  EmailComplained,
  EmailOpened,
  EmailClicked,
  EmailUnsubscribed,
  EmailCancelled
)
export type EmailWebhookEvent = typeof EmailWebhookEvent.Type

/** One step of an email's life as a use case reports it: its type and the facts it adds to the summary. */
export type EmailEventDetail = EmailWebhookEvent extends infer E
  ? E extends { readonly type: `email.${infer K}`; readonly data: infer D }
    ? { readonly type: K; readonly metadata: Omit<D, keyof typeof EmailSummary> }
    : never
  : never

/** The webhook event for one step of an email's life. */
export const emailWebhookEvent = (email: SummarizedEmail, detail: EmailEventDetail, at: Date) =>
  ({
    type: `email.${detail.type}`,
    data: { ...emailSummary(email, at), ...detail.metadata }
  }) as EmailWebhookEvent
