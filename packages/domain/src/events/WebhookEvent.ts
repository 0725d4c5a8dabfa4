import { Schema } from "effect"
import { ContactWebhookEvent } from "./ContactEvents.js"
import { DomainWebhookEvent } from "./DomainEvents.js"
import { EmailWebhookEvent } from "./EmailEvents.js"
import { EndpointWebhookEvent } from "./EndpointEvents.js"
import { TIMESTAMP_PATTERN } from "./Event.js"
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
  /** `false` on a change a test key made: the event reaches webhooks but starts no workflow run. */
  readonly startsWorkflows?: false
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
  const plain = summaryOnly(event)
  if (plain !== undefined) return plain
  const encode = encoders.get(event.type)
  if (encode === undefined) throw new Error(`no schema for event type ${event.type}`)
  return encode(event)
}

/** A stored or received event read back; fails on a type or a shape the union does not know. */
export const decodeWebhookEvent = Schema.decodeUnknownEither(WebhookEvent)

/** The events whose data is an email's summary and nothing else. */
const SUMMARY_ONLY: ReadonlySet<string> = new Set(["email.queued", "email.cancelled"])

const isStrings = (value: unknown): value is ReadonlyArray<string> =>
  Array.isArray(value) && value.every((item) => typeof item === "string")

/**
 * `email.queued` is written for every accepted email, where the schema's encoder costs a tenth of
 * the server's CPU for the request. The events that carry the summary alone are checked here as the
 * schema checks them (its seven keys, no other, each of its type, the timestamp's pattern) and
 * written in the schema's key order; an event that fails any check is left to the schema, which
 * refuses it. `test/events/webhookEvents.test.ts` holds the two to the same answers.
 */
const summaryOnly = (event: WebhookEvent): EncodedWebhookEvent | undefined => {
  if (!SUMMARY_ONLY.has(event.type)) return undefined
  const data = event.data as { readonly [key: string]: unknown }
  if (Object.keys(data).length !== 7) return undefined
  const { email_id, from, to, subject, tags, test_mode, created_at } = data
  if (
    typeof email_id !== "string" ||
    typeof from !== "string" ||
    !isStrings(to) ||
    typeof subject !== "string" ||
    !isStrings(tags) ||
    typeof test_mode !== "boolean" ||
    typeof created_at !== "string" ||
    !TIMESTAMP_PATTERN.test(created_at)
  )
    return undefined
  return {
    type: event.type,
    data: { email_id, from, to: [...to], subject, tags: [...tags], test_mode, created_at }
  }
}
