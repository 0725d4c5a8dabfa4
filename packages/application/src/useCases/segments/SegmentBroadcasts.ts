import type { SegmentPublicId } from "@poststack/domain"
import { Effect } from "effect"
import { authorize, type Principal } from "../Principal.js"
import { findSegment } from "./audience.js"

/**
 * The broadcasts sent to a segment, newest first. Broadcasts do not exist yet on this server, so
 * the list is empty for every segment of the team (another team's segment is still 404).
 */
export const SegmentBroadcasts = Effect.fn("SegmentBroadcasts")(function* (
  principal: Principal,
  id: SegmentPublicId
) {
  const { teamId } = yield* authorize(principal, "segments")
  yield* findSegment(teamId, id)
  return [] as ReadonlyArray<never>
})
