import { SegmentPublicId } from "@poststack/domain"
import { Effect, Option, Schema } from "effect"
import { type ContactFilter, ContactRepository } from "../../ports/ContactRepository.js"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { audienceOf } from "../segments/audience.js"
import { withSuppressions } from "./views.js"

/**
 * A page of the team's contacts, newest first, with the total that match. `segmentId` keeps only
 * a segment's members; an id that names no segment of the team is ignored, as the contract says.
 */
export const ListContacts = Effect.fn("ListContacts")(function* (
  principal: Principal,
  filter: ContactFilter,
  page: number,
  perPage: number,
  segmentId?: string
) {
  const { teamId } = yield* authorize(principal, "contacts")
  let scoped = filter
  if (segmentId !== undefined && Schema.is(SegmentPublicId)(segmentId)) {
    const segment = yield* (yield* SegmentRepository).get(teamId, segmentId)
    if (Option.isSome(segment)) scoped = { ...filter, segment: yield* audienceOf(segment.value) }
  }
  const { contacts, total } = yield* (yield* ContactRepository).list(teamId, scoped, page, perPage)
  return { contacts: yield* withSuppressions(teamId, contacts), total }
})
