import type { SegmentRules } from "@poststack/domain"
import { Effect } from "effect"
import { SegmentAudience } from "../../ports/SegmentAudience.js"
import { authorize, type Principal } from "../Principal.js"
import { rulesAudience } from "./audience.js"

/** How many contacts the rules select now; nothing is stored. */
export const PreviewSegment = Effect.fn("PreviewSegment")(function* (
  principal: Principal,
  rules: SegmentRules
) {
  const { teamId } = yield* authorize(principal, "segments")
  const audience = yield* rulesAudience(teamId, rules)
  return yield* (yield* SegmentAudience).count(teamId, audience)
})
