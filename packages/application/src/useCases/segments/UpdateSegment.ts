import { SegmentNotFound, type SegmentPublicId, type SegmentRules } from "@poststack/domain"
import { Effect, Option } from "effect"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { readSegment, rulesAudience } from "./audience.js"

/**
 * Renames a segment or changes its rules: `rules` absent keeps them, `null` makes it a manual
 * segment (with no members), new rules must fit the team's properties.
 */
export const UpdateSegment = Effect.fn("UpdateSegment")(function* (
  principal: Principal,
  id: SegmentPublicId,
  input: { readonly name?: string | undefined; readonly rules?: SegmentRules | null | undefined }
) {
  const { teamId } = yield* authorize(principal, "segments")
  if (input.rules !== undefined && input.rules !== null) yield* rulesAudience(teamId, input.rules)
  const updated = yield* (yield* SegmentRepository).update(teamId, id, input)
  if (Option.isNone(updated)) return yield* new SegmentNotFound()
  return yield* readSegment(updated.value)
})
