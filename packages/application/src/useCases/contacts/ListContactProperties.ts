import { Effect } from "effect"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** The team's contact properties, oldest first. */
export const ListContactProperties = Effect.fn("ListContactProperties")(function* (principal: Principal) {
  const { teamId } = yield* authorize(principal, "contacts")
  return yield* (yield* ContactPropertyRepository).list(teamId)
})
