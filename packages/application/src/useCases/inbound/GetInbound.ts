import { ResourceNotFound, type TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import { InboundRepository } from "../../ports/InboundRepository.js"

export const inboundNotFound = new ResourceNotFound({ message: "Inbound email not found" })

/** One received message of the team; another team's id is not found. */
export const GetInbound = Effect.fn("GetInbound")(function* (teamId: TeamId, id: number) {
  const found = yield* Effect.flatMap(InboundRepository, (repo) => repo.get(teamId, id))
  if (Option.isNone(found)) return yield* inboundNotFound
  return found.value
})

/** The attachments of one received message. */
export const ListInboundAttachments = Effect.fn("ListInboundAttachments")(function* (
  teamId: TeamId,
  id: number
) {
  yield* GetInbound(teamId, id)
  return yield* Effect.flatMap(InboundRepository, (repo) => repo.attachments(teamId, id))
})
