import { Effect } from "effect"
import { InboundRepository } from "../../ports/InboundRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** The team's received mail, newest first, optionally for one domain (by name); a scoped key's domain only. */
export const ListInbound = Effect.fn("ListInbound")(function* (
  principal: Principal,
  domain: string | null,
  page: number,
  perPage: number
) {
  const scope = yield* authorize(principal, "inbound")
  return yield* Effect.flatMap(InboundRepository, (repo) =>
    repo.list(scope.teamId, { name: domain, domainId: scope.domainId }, page, perPage)
  )
})
