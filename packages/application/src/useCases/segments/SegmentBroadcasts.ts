import type { SegmentPublicId } from "@poststack/domain"
import { Effect } from "effect"
import { BroadcastRepository } from "../../ports/BroadcastRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { findSegment } from "./audience.js"

/** The broadcasts sent (or being written) to a segment, newest first. */
export const SegmentBroadcasts = Effect.fn("SegmentBroadcasts")(function* (
  principal: Principal,
  id: SegmentPublicId
) {
  const { teamId } = yield* authorize(principal, "segments")
  const segment = yield* findSegment(teamId, id)
  return yield* (yield* BroadcastRepository).bySegment(teamId, segment.id)
})
