import type { SegmentPublicId } from "@poststack/domain"
import { Effect } from "effect"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { withSuppressions } from "../contacts/views.js"
import { authorize, type Principal } from "../Principal.js"
import { audienceOf, findSegment } from "./audience.js"

/** A page of a segment's members, newest contacts first, with the total. */
export const ListSegmentMembers = Effect.fn("ListSegmentMembers")(function* (
  principal: Principal,
  id: SegmentPublicId,
  page: number,
  perPage: number
) {
  const { teamId } = yield* authorize(principal, "segments")
  const audience = yield* audienceOf(yield* findSegment(teamId, id))
  const { contacts, total } = yield* (yield* ContactRepository).list(
    teamId,
    { segment: audience },
    page,
    perPage
  )
  return { contacts: yield* withSuppressions(teamId, contacts), total }
})
