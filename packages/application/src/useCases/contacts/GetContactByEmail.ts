import { ContactNotFound } from "@poststack/domain"
import { Effect, Option } from "effect"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { readOne } from "./views.js"

/** One contact by address, whatever its case. */
export const GetContactByEmail = Effect.fn("GetContactByEmail")(function* (
  principal: Principal,
  email: string
) {
  const { teamId } = yield* authorize(principal, "contacts")
  const found = yield* (yield* ContactRepository).getByEmail(teamId, email.trim())
  if (Option.isNone(found)) return yield* new ContactNotFound()
  return yield* readOne(teamId, found.value)
})
