import {
  type ContactPublicId,
  ContactNotFound,
  type TeamId,
  TopicNotFound,
  type TopicPublicId
} from "@poststack/domain"
import { Effect, Option } from "effect"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { TopicRepository } from "../../ports/TopicRepository.js"

/** The team's topic of that id, or `TopicNotFound`. */
export const findTopic = (teamId: TeamId, id: TopicPublicId) =>
  Effect.flatMap(TopicRepository, (topics) => topics.get(teamId, id)).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.fail(new TopicNotFound()), onSome: Effect.succeed }))
  )

/** The team's contact of that id, or `ContactNotFound`. */
export const findContact = (teamId: TeamId, id: ContactPublicId) =>
  Effect.flatMap(ContactRepository, (contacts) => contacts.get(teamId, id)).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.fail(new ContactNotFound()), onSome: Effect.succeed }))
  )
