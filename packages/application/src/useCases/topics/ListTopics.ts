import { Effect } from "effect"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** The team's subscription topics, oldest first. */
export const ListTopics = Effect.fn("ListTopics")(function* (principal: Principal) {
  const { teamId } = yield* authorize(principal, "topics")
  return yield* (yield* TopicRepository).list(teamId)
})
