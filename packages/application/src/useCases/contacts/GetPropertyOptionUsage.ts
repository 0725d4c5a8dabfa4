import { ContactPropertyNotFound, type ContactPropertyId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** How many contacts hold each option of a select property (every option listed, unused ones 0). */
export const GetPropertyOptionUsage = Effect.fn("GetPropertyOptionUsage")(function* (
  principal: Principal,
  id: ContactPropertyId
) {
  const { teamId } = yield* authorize(principal, "contacts")
  const properties = yield* ContactPropertyRepository
  const property = yield* properties.get(teamId, id)
  if (Option.isNone(property)) return yield* new ContactPropertyNotFound()
  return yield* properties.optionUsage(teamId, property.value)
})
