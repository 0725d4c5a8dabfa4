import type { Broadcast, SegmentAudienceOf, SegmentId, TeamId } from "@poststack/domain"
import { Effect, Either } from "effect"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { audienceOf } from "../segments/audience.js"

/** No one: the audience of a broadcast whose segment was deleted (or whose rules no longer resolve). */
const nobody = (): SegmentAudienceOf => ({ _tag: "Members", segmentId: -1 as SegmentId })

/** Who the broadcast's segment holds now (read once per claim: a rule's `now` moves with it). */
export const audienceFor = (b: Broadcast) =>
  Effect.gen(function* () {
    if (b.segmentId === null) return nobody()
    const segments = yield* (yield* SegmentRepository).list(b.teamId as TeamId)
    const segment = segments.find((s) => s.id === b.segmentId)
    if (segment === undefined) return nobody()
    const audience = yield* Effect.either(audienceOf(segment))
    return Either.isRight(audience) ? audience.right : nobody()
  })
