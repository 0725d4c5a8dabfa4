import type { TopicPublicId } from "@poststack/domain"
import { Effect } from "effect"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { findTopic } from "./TopicViews.js"

/** A page of the topic's subscribers (`subscribed`), or of the contacts that opted out of it. */
export const ListTopicSubscribers = Effect.fn("ListTopicSubscribers")(function* (
  principal: Principal,
  id: TopicPublicId,
  subscribed: boolean,
  page: number,
  perPage: number
) {
  const { teamId } = yield* authorize(principal, "topics")
  const topic = yield* findTopic(teamId, id)
  return yield* (yield* TopicRepository).subscribers(teamId, topic.id, subscribed, page, perPage)
})
