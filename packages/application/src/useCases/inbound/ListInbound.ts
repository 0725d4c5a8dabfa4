import { Effect } from "effect"
import { InboundRepository } from "../../ports/InboundRepository.js"
import { authorize, type Principal } from "../Principal.js"

/**
 * The team's received mail, newest first, optionally for one domain (by name); a scoped key's
 * domain only. With each page, how many attachments each of its messages has.
 */
export const ListInbound = Effect.fn("ListInbound")(function* (
  principal: Principal,
  domain: string | null,
  page: number,
  perPage: number
) {
  const scope = yield* authorize(principal, "inbound")
  const repo = yield* InboundRepository
  const { emails, total } = yield* repo.list(
    scope.teamId,
    { name: domain, domainId: scope.domainId },
    page,
    perPage
  )
  const attachmentCounts = yield* repo.attachmentCounts(
    scope.teamId,
    emails.map((e) => e.id)
  )
  return { emails, total, attachmentCounts }
})
