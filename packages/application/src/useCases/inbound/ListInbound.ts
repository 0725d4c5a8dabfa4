import type { TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { InboundRepository } from "../../ports/InboundRepository.js"

/** The team's received mail, newest first, optionally for one domain (by name). */
export const ListInbound = Effect.fn("ListInbound")(function* (
  teamId: TeamId,
  domain: string | null,
  page: number,
  perPage: number
) {
  return yield* Effect.flatMap(InboundRepository, (repo) => repo.list(teamId, domain, page, perPage))
})
