import {
  ContactPropertyNotFound,
  type ContactPropertyId,
  definitionProblem,
  PropertyDefinitionInvalid
} from "@poststack/domain"
import { Effect, Option } from "effect"
import {
  type ContactPropertyChanges,
  ContactPropertyRepository
} from "../../ports/ContactPropertyRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** Changes a property's label, options or `required`; name and type are not accepted. */
export const UpdateContactProperty = Effect.fn("UpdateContactProperty")(function* (
  principal: Principal,
  id: ContactPropertyId,
  changes: ContactPropertyChanges
) {
  const { teamId } = yield* authorize(principal, "contacts")
  const properties = yield* ContactPropertyRepository
  const current = yield* properties.get(teamId, id)
  if (Option.isNone(current)) return yield* new ContactPropertyNotFound()
  if (changes.options !== undefined) {
    const problem = definitionProblem(current.value.type, changes.options)
    if (problem !== undefined) return yield* new PropertyDefinitionInvalid({ reason: problem })
  }
  const updated = yield* properties.update(teamId, id, changes)
  if (Option.isNone(updated)) return yield* new ContactPropertyNotFound()
  return updated.value
})
