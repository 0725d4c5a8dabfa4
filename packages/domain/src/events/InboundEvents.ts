import { Schema } from "effect"
import { eventSchema, Timestamp } from "./Event.js"

const Address = Schema.Struct({ address: Schema.String, name: Schema.NullOr(Schema.String) })

/** A received message for one recipient: the InboundEmail in snake_case, attachments by metadata only. */
export const InboundEmailData = {
  id: Schema.Number,
  domain_id: Schema.NullOr(Schema.Number),
  from: Schema.String,
  from_name: Schema.NullOr(Schema.String),
  to: Schema.String,
  to_addresses: Schema.Array(Address),
  cc: Schema.Array(Address),
  message_id: Schema.NullOr(Schema.String),
  subject: Schema.NullOr(Schema.String),
  html: Schema.NullOr(Schema.String),
  text: Schema.NullOr(Schema.String),
  headers: Schema.Record({ key: Schema.String, value: Schema.String }),
  mailbox_hash: Schema.NullOr(Schema.String),
  spam_score: Schema.NullOr(Schema.Number),
  spam_verdict: Schema.NullOr(Schema.Literal("spam", "clean")),
  stripped_reply: Schema.NullOr(Schema.String),
  authentication: Schema.Struct({ spf: Schema.String, dkim: Schema.String, dmarc: Schema.String }),
  envelope: Schema.NullOr(Schema.Struct({ mail_from: Schema.String, rcpt_to: Schema.Array(Schema.String) })),
  attachments: Schema.Array(
    Schema.Struct({ filename: Schema.String, content_type: Schema.String, size: Schema.Number })
  ),
  created_at: Timestamp
}

/** The contract names inbound mail twice; both are sent, each to the endpoints subscribed to it. */
export const InboundEmailReceived = eventSchema("inbound_email.received", InboundEmailData)
export const EmailInbound = eventSchema("email.inbound", InboundEmailData)

export const InboundWebhookEvent = Schema.Union(InboundEmailReceived, EmailInbound)
export type InboundWebhookEvent = typeof InboundWebhookEvent.Type

/** The events for one received message. */
export const inboundWebhookEvents = (
  data: Schema.Struct.Type<typeof InboundEmailData>
): ReadonlyArray<InboundWebhookEvent> => [
  { type: "inbound_email.received", data },
  { type: "email.inbound", data }
]
