import type { SegmentRules } from "@poststack/domain"
import { Effect } from "effect"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { readSegment, rulesAudience } from "./audience.js"

/** A manual segment (no rules), or a rule segment whose rules fit the team's properties. */
export const CreateSegment = Effect.fn("CreateSegment")(function* (
  principal: Principal,
  input: { readonly name: string; readonly rules?: SegmentRules | null | undefined }
) {
  const { teamId } = yield* authorize(principal, "segments")
  const rules = input.rules ?? null
  if (rules !== null) yield* rulesAudience(teamId, rules)
  const created = yield* (yield* SegmentRepository).create(teamId, input.name, rules)
  return yield* readSegment(created)
})
