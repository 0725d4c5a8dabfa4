import { Schema } from "effect"
import { ContactWebhookEvent } from "./ContactEvents.js"
import { DomainWebhookEvent } from "./DomainEvents.js"
import { EmailWebhookEvent } from "./EmailEvents.js"
import { EndpointWebhookEvent } from "./EndpointEvents.js"
import { InboundWebhookEvent } from "./InboundEvents.js"
import { WorkflowWebhookEvent } from "./WorkflowEvents.js"

/**
 * Every event a team's webhooks and notification channels may receive, tagged by its wire `type`.
 * A new family (contacts, broadcasts, workflows) adds its union here; the fixture test then asks
 * for an example of each new type.
 */
export const WebhookEvent = Schema.Union(
  EmailWebhookEvent,
  InboundWebhookEvent,
  DomainWebhookEvent,
  EndpointWebhookEvent,
  ContactWebhookEvent,
  WorkflowWebhookEvent
)
export type WebhookEvent = typeof WebhookEvent.Type
export type WebhookEventType = WebhookEvent["type"]

/** Every event type, in the union's order. */
export const WEBHOOK_EVENT_TYPES: ReadonlyArray<WebhookEventType> = WebhookEvent.members.flatMap((family) =>
  family.members.map((event) => event.fields.type.literals[0])
)

/** An event as stored and sent: its `type` and its `data`, as JSON. */
export interface EncodedWebhookEvent {
  readonly type: WebhookEventType
  readonly data: { readonly [key: string]: unknown }
}

const encoderOf = (schema: Schema.Schema.AnyNoContext): ((event: WebhookEvent) => EncodedWebhookEvent) =>
  Schema.encodeUnknownSync(schema, { onExcessProperty: "error" })

// One encoder per type, chosen by the tag: the union's own encoder would try its members in turn.
const encoders = new Map(
  WebhookEvent.members.flatMap((family) =>
    family.members.map((event) => [event.fields.type.literals[0], encoderOf(event)] as const)
  )
)

/**
 * The one place an event becomes JSON. A key the schema does not name is an error, so nothing
 * reaches a receiver that the contract fixture has not seen.
 */
export const encodeWebhookEvent = (event: WebhookEvent): EncodedWebhookEvent => {
  const encode = encoders.get(event.type)
  if (encode === undefined) throw new Error(`no schema for event type ${event.type}`)
  return encode(event)
}

/** A stored or received event read back; fails on a type or a shape the union does not know. */
export const decodeWebhookEvent = Schema.decodeUnknownEither(WebhookEvent)
