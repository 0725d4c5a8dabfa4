import { TopicNotFound, type TopicPublicId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** Renames a topic or changes its description (`null` clears it). */
export const UpdateTopic = Effect.fn("UpdateTopic")(function* (
  principal: Principal,
  id: TopicPublicId,
  changes: { readonly name?: string | undefined; readonly description?: string | null | undefined }
) {
  const { teamId } = yield* authorize(principal, "topics")
  const updated = yield* (yield* TopicRepository).update(teamId, id, {
    ...(changes.name === undefined ? {} : { name: changes.name }),
    ...(changes.description === undefined ? {} : { description: changes.description })
  })
  if (Option.isNone(updated)) return yield* new TopicNotFound()
  return updated.value
})
