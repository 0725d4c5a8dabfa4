import { Effect } from "effect"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { readSegment } from "./audience.js"

/** Every segment of the team, newest first, each with its count. */
export const ListSegments = Effect.fn("ListSegments")(function* (principal: Principal) {
  const { teamId } = yield* authorize(principal, "segments")
  const segments = yield* (yield* SegmentRepository).list(teamId)
  return yield* Effect.forEach(segments, readSegment, { concurrency: 4 })
})
