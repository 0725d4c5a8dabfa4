import { ContactPropertyNotFound, type ContactPropertyId } from "@poststack/domain"
import { Effect } from "effect"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** Removes the property and every contact's stored value for it. */
export const DeleteContactProperty = Effect.fn("DeleteContactProperty")(function* (
  principal: Principal,
  id: ContactPropertyId
) {
  const { teamId } = yield* authorize(principal, "contacts")
  if (!(yield* (yield* ContactPropertyRepository).remove(teamId, id)))
    return yield* new ContactPropertyNotFound()
})
