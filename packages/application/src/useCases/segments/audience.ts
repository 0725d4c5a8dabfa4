import {
  type ContactId,
  resolveRules,
  type Segment,
  type SegmentAudienceOf,
  SegmentNotFound,
  type SegmentPublicId,
  type SegmentRules,
  type TeamId
} from "@poststack/domain"
import { Chunk, Clock, Effect, Either, Option, Stream } from "effect"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import { SegmentAudience } from "../../ports/SegmentAudience.js"
import { SegmentRepository } from "../../ports/SegmentRepository.js"

/** The team's segment of that id, or `SegmentNotFound` (another team's too). */
export const findSegment = (teamId: TeamId, id: SegmentPublicId) =>
  Effect.flatMap(SegmentRepository, (r) => r.get(teamId, id)).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.fail(new SegmentNotFound()), onSome: Effect.succeed }))
  )

/** Rules checked against the team's current properties, to be evaluated now. */
export const rulesAudience = (teamId: TeamId, rules: SegmentRules) =>
  Effect.gen(function* () {
    const definitions = yield* (yield* ContactPropertyRepository).list(teamId)
    const resolved = yield* resolveRules(rules, definitions)
    return {
      _tag: "Rules",
      rules: resolved,
      now: new Date(yield* Clock.currentTimeMillis)
    } as SegmentAudienceOf
  })

/**
 * Who the segment holds: its member rows, or its rules. Rules that no longer fit the team's
 * properties (a property deleted since) fail with `SegmentRulesInvalid` naming the condition.
 */
export const audienceOf = (segment: Segment) =>
  segment.rules === null
    ? Effect.succeed<SegmentAudienceOf>({ _tag: "Members", segmentId: segment.id })
    : rulesAudience(segment.teamId as TeamId, segment.rules)

/** A segment as the API shows it: with how many contacts it holds now. */
export interface SegmentRead {
  readonly segment: Segment
  readonly contactCount: number
  /** The rules no longer fit the team's properties, so no count could be made. */
  readonly countUnavailable: boolean
}

export const readSegment = (segment: Segment) =>
  Effect.gen(function* () {
    const audience = yield* Effect.either(audienceOf(segment))
    if (Either.isLeft(audience)) return { segment, contactCount: 0, countUnavailable: true } as SegmentRead
    const contactCount = yield* (yield* SegmentAudience).count(segment.teamId as TeamId, audience.right)
    return { segment, contactCount, countUnavailable: false } as SegmentRead
  })

/**
 * Every contact id of the audience, in batches of `batchSize` walked by cursor (ascending row id):
 * what a send to a segment reads, never holding more than one batch.
 */
export const audienceIds = (teamId: TeamId, audience: SegmentAudienceOf, batchSize: number) =>
  Stream.paginateChunkEffect(null as ContactId | null, (after) =>
    Effect.map(
      Effect.flatMap(SegmentAudience, (a) => a.ids(teamId, audience, after, batchSize)),
      (ids) =>
        [
          Chunk.unsafeFromArray(ids as Array<ContactId>),
          ids.length < batchSize ? Option.none() : Option.fromNullable(ids.at(-1) ?? null)
        ] as const
    )
  )
