import { SegmentPublicId } from "@poststack/domain"
import { Effect, Option, Schema } from "effect"
import { type ContactFilter, ContactRepository } from "../../ports/ContactRepository.js"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { audienceOf } from "../segments/audience.js"
import { withSuppressions } from "./views.js"

/**
 * How far a search's total counts: a common fragment matches a large share of a big audience, and
 * counting every match reads most of the table. Past it, the total says this bound (at least this
 * many match); the pages themselves are not cut.
 */
export const SEARCH_TOTAL_BOUND = 1_000

/**
 * A page of the team's contacts, newest first, with the total that match. `segmentId` keeps only
 * a segment's members; an id that names no segment of the team is ignored, as the contract says.
 * With a `search`, the total is exact up to `SEARCH_TOTAL_BOUND` and that bound above it.
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
  const bound = filter.search !== undefined && filter.search !== "" ? SEARCH_TOTAL_BOUND : undefined
  const { contacts, total } = yield* (yield* ContactRepository).list(teamId, scoped, page, perPage, bound)
  return { contacts: yield* withSuppressions(teamId, contacts), total }
})
