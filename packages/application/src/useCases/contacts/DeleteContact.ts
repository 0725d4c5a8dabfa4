import { ContactNotFound, type ContactPublicId, contactEvent } from "@poststack/domain"
import { Effect, Option } from "effect"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** Removes the contact (its suppression entry, if any, stays); `contact.deleted` goes out with it. */
export const DeleteContact = Effect.fn("DeleteContact")(function* (
  principal: Principal,
  id: ContactPublicId
) {
  const { teamId } = yield* authorize(principal, "contacts")
  const removed = yield* (yield* ContactRepository).remove(teamId, id, (c) => [
    contactEvent("contact.deleted", c)
  ])
  if (Option.isNone(removed)) return yield* new ContactNotFound()
})
