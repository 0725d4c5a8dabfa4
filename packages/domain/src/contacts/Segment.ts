import { Schema } from "effect"
import { type ResolvedRules, SegmentRules } from "./SegmentRule.js"

/** A segment's row id. */
export const SegmentId = Schema.Int.pipe(Schema.brand("SegmentId"))
export type SegmentId = typeof SegmentId.Type

/** A segment's public id, `seg_` and 24 lower-case hex digits: what every route takes. */
export const SegmentPublicId = Schema.String.pipe(
  Schema.pattern(/^seg_[0-9a-f]{24}$/),
  Schema.brand("SegmentPublicId")
)
export type SegmentPublicId = typeof SegmentPublicId.Type

/** A named part of a team's audience: a manual list of contacts (`rules` null) or every contact its rules select. */
export class Segment extends Schema.Class<Segment>("Segment")({
  id: SegmentId,
  publicId: SegmentPublicId,
  teamId: Schema.Int,
  name: Schema.String,
  rules: Schema.NullOr(SegmentRules),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

/** A new segment's public id. */
export const newSegmentPublicId = (): SegmentPublicId =>
  `seg_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}` as SegmentPublicId

/**
 * Who a segment holds, as the stores select it: a manual segment's member rows, or the contacts its
 * rules (resolved against the team's properties) select at `now`.
 */
export type SegmentAudienceOf =
  | { readonly _tag: "Members"; readonly segmentId: SegmentId }
  | { readonly _tag: "Rules"; readonly rules: ResolvedRules; readonly now: Date }

/** The most members a segment's own answer lists, and the most ids one add call takes. */
export const SEGMENT_CONTACTS_SHOWN = 100
export const MAX_SEGMENT_ADD = 1000

/** Days `days` back to today (UTC), oldest first, as `YYYY-MM-DD`. */
export const growthDays = (now: Date, days: number): ReadonlyArray<string> =>
  Array.from({ length: days }, (_, i) =>
    new Date(now.getTime() - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10)
  )
