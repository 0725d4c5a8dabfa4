import {
  applyPropertyValues,
  ContactNotFound,
  type ContactPublicId,
  contactEvent,
  type EncodedWebhookEvent
} from "@poststack/domain"
import { Effect, Option } from "effect"
import { type ContactChanges, ContactRepository } from "../../ports/ContactRepository.js"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import { SuppressionList } from "../../ports/SuppressionList.js"
import { authorize, outboxFor, type Principal } from "../Principal.js"
import { readOne } from "./views.js"

export interface UpdateContactInput {
  readonly firstName?: string | null | undefined
  readonly lastName?: string | null | undefined
  readonly unsubscribed?: boolean | undefined
  /** Partial: keys absent keep their value, `null` clears one. */
  readonly properties?: Readonly<Record<string, unknown>> | undefined
}

/**
 * A partial update; property values are checked against their properties. Turning `unsubscribed`
 * on puts the address on the suppression list (reason `unsubscribe`) and sends `contact.unsubscribed`;
 * turning it off takes an `unsubscribe` entry off the list (a bounce or complaint entry stays).
 */
export const UpdateContact = Effect.fn("UpdateContact")(function* (
  principal: Principal,
  id: ContactPublicId,
  input: UpdateContactInput,
  now: Date = new Date()
) {
  const { teamId } = yield* authorize(principal, "contacts")
  const contacts = yield* ContactRepository
  const current = yield* contacts.get(teamId, id)
  if (Option.isNone(current)) return yield* new ContactNotFound()
  const changes: { -readonly [K in keyof ContactChanges]: ContactChanges[K] } = {}
  if (input.firstName !== undefined) changes.firstName = input.firstName
  if (input.lastName !== undefined) changes.lastName = input.lastName
  if (input.properties !== undefined) {
    const definitions = yield* (yield* ContactPropertyRepository).list(teamId)
    changes.properties = yield* applyPropertyValues(definitions, current.value.properties, input.properties)
  }
  const unsubscribing = input.unsubscribed === true && !current.value.unsubscribed
  if (input.unsubscribed !== undefined && input.unsubscribed !== current.value.unsubscribed) {
    changes.unsubscribed = input.unsubscribed
    changes.unsubscribedAt = input.unsubscribed ? now : null
  }
  const updated = yield* contacts.update(teamId, id, changes, (c) => {
    const events: Array<EncodedWebhookEvent> = [contactEvent("contact.updated", c)]
    if (unsubscribing) events.push(contactEvent("contact.unsubscribed", c))
    return outboxFor(principal)(events)
  })
  if (Option.isNone(updated)) return yield* new ContactNotFound()
  const suppressions = yield* SuppressionList
  if (unsubscribing) yield* suppressions.add(teamId, updated.value.email, "unsubscribe", null)
  // Opting back in lifts the entry the opt-out made; a bounce or complaint entry stays.
  if (input.unsubscribed === false) {
    const entry = (yield* suppressions.reasons(teamId, [updated.value.email])).get(
      updated.value.email.toLowerCase()
    )
    if (entry?.reason === "unsubscribe") yield* suppressions.remove(teamId, updated.value.email)
  }
  return yield* readOne(teamId, updated.value)
})
