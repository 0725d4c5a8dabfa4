import { SEGMENT_CONTACTS_SHOWN, type SegmentPublicId } from "@poststack/domain"
import { Effect, Either } from "effect"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { withSuppressions } from "../contacts/views.js"
import { authorize, type Principal } from "../Principal.js"
import { audienceOf, findSegment, readSegment } from "./audience.js"

/** One segment with its count and its first 100 members (newest first). */
export const GetSegment = Effect.fn("GetSegment")(function* (principal: Principal, id: SegmentPublicId) {
  const { teamId } = yield* authorize(principal, "segments")
  const segment = yield* findSegment(teamId, id)
  const read = yield* readSegment(segment)
  const audience = yield* Effect.either(audienceOf(segment))
  if (Either.isLeft(audience)) return { ...read, contacts: [] }
  const { contacts } = yield* (yield* ContactRepository).list(
    teamId,
    { segment: audience.right },
    1,
    SEGMENT_CONTACTS_SHOWN
  )
  return { ...read, contacts: yield* withSuppressions(teamId, contacts) }
})
