import type { ContactPublicId } from "@poststack/domain"
import { Effect } from "effect"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { findContact } from "./TopicViews.js"

/**
 * The contact's recorded choices, each with its topic. Opt-out model: a topic the contact never
 * chose about is not listed, and the contact is in it.
 */
export const GetContactSubscriptions = Effect.fn("GetContactSubscriptions")(function* (
  principal: Principal,
  contactId: ContactPublicId
) {
  const { teamId } = yield* authorize(principal, "topics")
  const contact = yield* findContact(teamId, contactId)
  const choices = yield* (yield* TopicRepository).choicesOf(teamId, contact.id)
  return {
    contact,
    subscriptions: choices.flatMap(({ topic, subscription }) =>
      subscription === null ? [] : [{ topic, subscription }]
    )
  }
})
