import { Effect } from "effect"
import { type ContactFilter, ContactRepository } from "../../ports/ContactRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { withSuppressions } from "./views.js"

/** A page of the team's contacts, newest first, with the total that match. */
export const ListContacts = Effect.fn("ListContacts")(function* (
  principal: Principal,
  filter: ContactFilter,
  page: number,
  perPage: number
) {
  const { teamId } = yield* authorize(principal, "contacts")
  const { contacts, total } = yield* (yield* ContactRepository).list(teamId, filter, page, perPage)
  return { contacts: yield* withSuppressions(teamId, contacts), total }
})
