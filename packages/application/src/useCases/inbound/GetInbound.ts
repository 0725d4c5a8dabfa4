import { InboundEmailNotFound } from "@poststack/domain"
import { Effect, Option } from "effect"
import { InboundRepository } from "../../ports/InboundRepository.js"
import { authorize, inScope, type Principal } from "../Principal.js"

export const inboundNotFound = new InboundEmailNotFound()

/**
 * One received message of the team, inside the principal's scope; another team's id, or another
 * domain's for a scoped key, is not found. Every use case on a named message starts here.
 */
export const GetInbound = Effect.fn("GetInbound")(function* (principal: Principal, id: number) {
  const scope = yield* authorize(principal, "inbound")
  const found = yield* Effect.flatMap(InboundRepository, (repo) => repo.get(scope.teamId, id))
  if (Option.isNone(found) || !inScope(scope, found.value.domainId)) return yield* inboundNotFound
  return found.value
})

/** One received message as the API shows it: with how many attachments it has. */
export const ReadInbound = Effect.fn("ReadInbound")(function* (principal: Principal, id: number) {
  const email = yield* GetInbound(principal, id)
  const counts = yield* Effect.flatMap(InboundRepository, (repo) =>
    repo.attachmentCounts(principal.teamId, [id])
  )
  return { email, attachmentCount: counts.get(id) ?? 0 }
})

/** The attachments of one received message. */
export const ListInboundAttachments = Effect.fn("ListInboundAttachments")(function* (
  principal: Principal,
  id: number
) {
  yield* GetInbound(principal, id)
  return yield* Effect.flatMap(InboundRepository, (repo) => repo.attachments(principal.teamId, id))
})
