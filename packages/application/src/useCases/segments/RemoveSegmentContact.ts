import {
  ContactNotFound,
  type ContactPublicId,
  SegmentNotManual,
  type SegmentPublicId
} from "@poststack/domain"
import { Effect } from "effect"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { findSegment } from "./audience.js"

/** Takes one contact out of a manual segment (the contact stays); one not in it is 404. */
export const RemoveSegmentContact = Effect.fn("RemoveSegmentContact")(function* (
  principal: Principal,
  id: SegmentPublicId,
  contactId: ContactPublicId
) {
  const { teamId } = yield* authorize(principal, "segments")
  const segment = yield* findSegment(teamId, id)
  if (segment.rules !== null) return yield* new SegmentNotManual()
  if (!(yield* (yield* SegmentRepository).removeMember(teamId, segment.id, contactId)))
    return yield* new ContactNotFound()
})
