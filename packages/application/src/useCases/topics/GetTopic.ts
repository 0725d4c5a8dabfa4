import type { TopicPublicId } from "@poststack/domain"
import { Effect } from "effect"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { findTopic } from "./TopicViews.js"

/** One topic with how many contacts are in it and how many opted out. */
export const GetTopic = Effect.fn("GetTopic")(function* (principal: Principal, id: TopicPublicId) {
  const { teamId } = yield* authorize(principal, "topics")
  const topic = yield* findTopic(teamId, id)
  const counts = yield* (yield* TopicRepository).counts(teamId, topic.id)
  return { topic, counts }
})
