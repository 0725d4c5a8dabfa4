import { growthDays, type SegmentPublicId } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { findSegment } from "./audience.js"

/**
 * A manual segment's members by day over the last `days` days (today included). A rule segment
 * keeps no history of who matched when: `available: false`, as the contract has it.
 */
export const SegmentGrowth = Effect.fn("SegmentGrowth")(function* (
  principal: Principal,
  id: SegmentPublicId,
  days: number
) {
  const { teamId } = yield* authorize(principal, "segments")
  const segment = yield* findSegment(teamId, id)
  if (segment.rules !== null) return { available: false, daily: [] }
  const now = new Date(yield* Clock.currentTimeMillis)
  const daily = yield* (yield* SegmentRepository).growth(teamId, segment.id, growthDays(now, days))
  return { available: true, daily }
})
