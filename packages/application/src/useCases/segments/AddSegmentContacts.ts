import {
  type ContactPublicId,
  SegmentContactsUnresolved,
  SegmentNotManual,
  type SegmentPublicId
} from "@poststack/domain"
import { Effect } from "effect"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { findSegment } from "./audience.js"

/**
 * Adds contacts to a manual segment, all or none: an id that is not a contact of the team (another
 * team's, deleted, mistyped) refuses the call and nothing is written. Returns how many were new.
 */
export const AddSegmentContacts = Effect.fn("AddSegmentContacts")(function* (
  principal: Principal,
  id: SegmentPublicId,
  contactIds: ReadonlyArray<ContactPublicId>
) {
  const { teamId } = yield* authorize(principal, "segments")
  const segment = yield* findSegment(teamId, id)
  if (segment.rules !== null) return yield* new SegmentNotManual()
  const result = yield* (yield* SegmentRepository).addMembers(teamId, segment.id, contactIds)
  if (result._tag === "Unknown") return yield* SegmentContactsUnresolved.forIds(result.unknown)
  return result.added
})
