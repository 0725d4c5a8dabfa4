import {
  type Contact,
  type ContactPublicId,
  type EncodedWebhookEvent,
  topicChoiceEvent,
  type TeamId,
  type Topic,
  TopicNotFound,
  type TopicPublicId
} from "@poststack/domain"
import { Effect, Option } from "effect"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { authorize, outboxFor, type Principal } from "../Principal.js"
import { findContact, findTopic } from "./TopicViews.js"

/**
 * Records a contact's choice about a topic, with a `contact.updated` event naming the topic and
 * the choice in the same transaction (one topic left is not `contact.unsubscribed`: other mail
 * still reaches the contact). Shared by the API and the recipients' preference page.
 */
export const recordChoice = (
  teamId: TeamId,
  topic: Topic,
  contact: Contact,
  subscribed: boolean,
  outbox: (events: ReadonlyArray<EncodedWebhookEvent>) => ReadonlyArray<EncodedWebhookEvent> = (e) => e
) =>
  Effect.gen(function* () {
    const written = yield* (yield* TopicRepository).choose(
      teamId,
      topic.id,
      contact,
      subscribed,
      outbox([topicChoiceEvent(contact, topic, subscribed)])
    )
    if (Option.isNone(written)) return yield* new TopicNotFound()
    return { topic, contact, subscription: written.value }
  })

/**
 * Subscribes the contact to the topic (`subscribed`) or opts it out; either way the choice is
 * recorded, so opting back in after an opt-out is explicit too.
 */
export const ChooseTopic = Effect.fn("ChooseTopic")(function* (
  principal: Principal,
  contactId: ContactPublicId,
  topicId: TopicPublicId,
  subscribed: boolean
) {
  const { teamId } = yield* authorize(principal, "topics")
  const contact = yield* findContact(teamId, contactId)
  const topic = yield* findTopic(teamId, topicId)
  return yield* recordChoice(teamId, topic, contact, subscribed, outboxFor(principal)).pipe(
    Effect.catchTag("TopicNotFound", () =>
      // The topic or the contact went away meanwhile: say which is gone now.
      Effect.flatMap(findContact(teamId, contactId), () => Effect.fail(new TopicNotFound()))
    )
  )
})
