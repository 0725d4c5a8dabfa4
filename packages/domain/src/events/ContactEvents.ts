import { Schema } from "effect"
import { eventSchema, optional, Timestamp } from "./Event.js"

/** A contact as its events carry it: the public id, names, consent and property values. */
export const ContactEventData = {
  contact_id: Schema.String,
  email: Schema.String,
  first_name: Schema.NullOr(Schema.String),
  last_name: Schema.NullOr(Schema.String),
  unsubscribed: Schema.Boolean,
  properties: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  created_at: Timestamp,
  updated_at: Timestamp
}

export const ContactCreated = eventSchema("contact.created", ContactEventData)
/**
 * A choice about one topic is a `contact.updated` (the contact still gets the team's other mail,
 * so it is not `contact.unsubscribed`), naming the topic and the choice so a consumer can tell
 * what changed.
 */
export const ContactUpdated = eventSchema("contact.updated", {
  ...ContactEventData,
  topic: optional(Schema.Struct({ topic_id: Schema.String, name: Schema.String, subscribed: Schema.Boolean }))
})
export const ContactDeleted = eventSchema("contact.deleted", ContactEventData)
export const ContactUnsubscribed = eventSchema("contact.unsubscribed", ContactEventData)

export const ContactWebhookEvent = Schema.Union(
  ContactCreated,
  ContactUpdated,
  ContactDeleted,
  ContactUnsubscribed
)
export type ContactWebhookEvent = typeof ContactWebhookEvent.Type
export type ContactEventType = ContactWebhookEvent["type"]
