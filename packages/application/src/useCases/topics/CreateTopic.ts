import { Effect } from "effect"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** A new topic; every contact of the team is in it until it opts out. */
export const CreateTopic = Effect.fn("CreateTopic")(function* (
  principal: Principal,
  input: { readonly name: string; readonly description?: string | null | undefined }
) {
  const { teamId } = yield* authorize(principal, "topics")
  return yield* (yield* TopicRepository).create(teamId, {
    name: input.name,
    description: input.description ?? null
  })
})
