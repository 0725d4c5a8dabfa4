import { TopicNotFound, type TopicPublicId } from "@poststack/domain"
import { Effect } from "effect"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** Deletes a topic and every choice about it; the contacts stay. */
export const DeleteTopic = Effect.fn("DeleteTopic")(function* (principal: Principal, id: TopicPublicId) {
  const { teamId } = yield* authorize(principal, "topics")
  if (!(yield* (yield* TopicRepository).remove(teamId, id))) return yield* new TopicNotFound()
})
