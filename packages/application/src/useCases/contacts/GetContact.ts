import { ContactNotFound, type ContactPublicId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { readOne } from "./views.js"

/** One contact by its `con_` id; another team's is not found. */
export const GetContact = Effect.fn("GetContact")(function* (principal: Principal, id: ContactPublicId) {
  const { teamId } = yield* authorize(principal, "contacts")
  const found = yield* (yield* ContactRepository).get(teamId, id)
  if (Option.isNone(found)) return yield* new ContactNotFound()
  return yield* readOne(teamId, found.value)
})
