import { contactEvent, normalizeAddress, ValidationFailed, applyPropertyValues } from "@poststack/domain"
import { Effect } from "effect"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { authorize, outboxFor, type Principal } from "../Principal.js"
import { readOne } from "./views.js"

export interface CreateContactInput {
  readonly email: string
  readonly firstName?: string | null | undefined
  readonly lastName?: string | null | undefined
  readonly unsubscribed?: boolean | undefined
  readonly properties?: Readonly<Record<string, unknown>> | null | undefined
}

/** Adds a contact whose property values fit their properties; `contact.created` goes out with it. */
export const CreateContact = Effect.fn("CreateContact")(function* (
  principal: Principal,
  input: CreateContactInput
) {
  const { teamId } = yield* authorize(principal, "contacts")
  const email = normalizeAddress(input.email.trim())
  if (email === undefined)
    return yield* new ValidationFailed({ message: `Invalid email address: ${input.email}` })
  const definitions = yield* (yield* ContactPropertyRepository).list(teamId)
  const properties = yield* applyPropertyValues(definitions, {}, input.properties ?? {})
  const contacts = yield* ContactRepository
  const created = yield* contacts.create(
    teamId,
    {
      email,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      unsubscribed: input.unsubscribed ?? false,
      properties
    },
    (c) => outboxFor(principal)([contactEvent("contact.created", c)])
  )
  return yield* readOne(teamId, created)
})
