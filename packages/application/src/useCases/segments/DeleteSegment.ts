import { SegmentNotFound, type SegmentPublicId } from "@poststack/domain"
import { Effect } from "effect"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { authorize, type Principal } from "../Principal.js"

/** Deletes a segment; its contacts stay. */
export const DeleteSegment = Effect.fn("DeleteSegment")(function* (
  principal: Principal,
  id: SegmentPublicId
) {
  const { teamId } = yield* authorize(principal, "segments")
  if (!(yield* (yield* SegmentRepository).remove(teamId, id))) return yield* new SegmentNotFound()
})
