import {
  AB_LIMITS,
  BroadcastAudienceUnknown,
  BroadcastNotFound,
  type BroadcastPublicId,
  canSend,
  checkAbTest,
  DomainNotVerified,
  domainOf,
  parseMailbox,
  PermissionDenied,
  type SegmentId,
  SegmentPublicId,
  type TeamId,
  templateVariables,
  TopicPublicId,
  ValidationFailed,
  type WinnerMetric
} from "@poststack/domain"
import { Effect, Either, Option, Schema } from "effect"
import type { BroadcastContent, BroadcastRead } from "../../ports/BroadcastRepository.js"
import { BroadcastRepository } from "../../ports/BroadcastRepository.js"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { TemplateEngine } from "../../ports/TemplateEngine.js"
import { TopicRepository } from "../../ports/TopicRepository.js"
import { inScope, type Scope } from "../Principal.js"

/** A broadcast's fields as a client writes them (create; an update starts from the current ones). */
export interface BroadcastInput {
  readonly name: string | null
  readonly segmentId: string
  readonly topicId: string | null
  readonly from: string
  readonly subject: string
  readonly html: string | null
  readonly text: string | null
  readonly replyTo: string | null
  readonly abTest: {
    readonly variants: ReadonlyArray<{
      readonly name: string
      readonly subject: string
      readonly html: string | null
      readonly text: string | null
      readonly weight: number
    }>
    readonly samplePercent: number | undefined
    readonly durationMinutes: number | undefined
    readonly metric: WinnerMetric | undefined
  } | null
}

const isSegmentPublicId = Schema.is(SegmentPublicId)
const isTopicPublicId = Schema.is(TopicPublicId)

/** The team's segment for `seg_…` or its numeric id as a string; anything else is unknown input. */
const resolveSegment = (teamId: TeamId, id: string) =>
  Effect.gen(function* () {
    const segments = yield* SegmentRepository
    const found = isSegmentPublicId(id)
      ? yield* segments.get(teamId, id)
      : /^[0-9]{1,9}$/.test(id)
        ? Option.fromNullable((yield* segments.list(teamId)).find((s) => s.id === Number(id)))
        : Option.none()
    if (Option.isNone(found)) return yield* new BroadcastAudienceUnknown({ field: "segment_id", id })
    return found.value
  })

const resolveTopic = (teamId: TeamId, id: string | null) =>
  Effect.gen(function* () {
    if (id === null) return null
    const found = isTopicPublicId(id) ? yield* (yield* TopicRepository).get(teamId, id) : Option.none()
    if (Option.isNone(found)) return yield* new BroadcastAudienceUnknown({ field: "topic_id", id })
    return found.value
  })

/**
 * The broadcast as stored: segment and topic found in the team, the `from` on one of its verified
 * domains inside the key's scope, A/B rules met, and every subject and body parsed, so a syntax
 * error is refused when written rather than found at the send.
 */
export const prepareBroadcast = (scope: Scope, input: BroadcastInput) =>
  Effect.gen(function* () {
    const teamId = scope.teamId
    const from = parseMailbox(input.from)
    if (from === undefined) return yield* new ValidationFailed({ message: "from: not a valid address" })
    const domainName = domainOf(from.address)
    const domain = yield* (yield* DomainRepository).findByName(teamId, domainName)
    if (scope.domainId !== null && (Option.isNone(domain) || !inScope(scope, domain.value.id)))
      return yield* new PermissionDenied({
        message: `This API key may only send from its own domain, not ${domainName}`
      })
    if (Option.isNone(domain) || !canSend(domain.value))
      return yield* new DomainNotVerified({ domain: domainName })
    if (input.replyTo !== null && parseMailbox(input.replyTo) === undefined)
      return yield* new ValidationFailed({ message: "reply_to: not a valid address" })
    // Every copy's Subject header is made from these: a line break would start another header.
    for (const subject of [input.subject, ...(input.abTest?.variants ?? []).map((v) => v.subject)]) {
      if (subject !== null && /[\r\n]/.test(subject))
        return yield* new ValidationFailed({ message: "subject must not contain line breaks" })
    }
    const segment = yield* resolveSegment(teamId, input.segmentId)
    const topic = yield* resolveTopic(teamId, input.topicId)
    const ab = input.abTest
    if (ab !== null) {
      const problem = checkAbTest({
        weights: ab.variants.map((v) => v.weight),
        samplePercent: ab.samplePercent ?? AB_LIMITS.defaultSample,
        durationMinutes: ab.durationMinutes ?? AB_LIMITS.defaultDuration
      })
      if (problem !== undefined) return yield* problem
    } else if (input.html === null && input.text === null) {
      return yield* new ValidationFailed({ message: "a broadcast needs html or text" })
    }
    const engine = yield* TemplateEngine
    const parts = [
      { subject: input.subject, htmlBody: input.html, textBody: input.text, variables: [] },
      ...(ab?.variants ?? []).map((v) => ({
        subject: v.subject,
        htmlBody: v.html,
        textBody: v.text,
        variables: []
      }))
    ]
    for (const part of parts) {
      if (ab !== null && part.htmlBody === null && part.textBody === null && part !== parts[0])
        return yield* new ValidationFailed({ message: "ab_test.variants: each variant needs html or text" })
      const checked = templateVariables(engine.language, part)
      if (Either.isLeft(checked)) return yield* checked.left
    }
    const content: BroadcastContent = {
      name: input.name,
      subject: input.subject,
      html: input.html,
      text: input.text,
      from: from.address,
      fromName: from.name,
      domainId: domain.value.id,
      replyTo: input.replyTo,
      segmentId: segment.id as SegmentId,
      segmentPublicId: segment.publicId,
      topicId: topic === null ? null : topic.id,
      topicPublicId: topic === null ? null : topic.publicId,
      abTest:
        ab === null
          ? null
          : {
              variants: ab.variants,
              samplePercent: ab.samplePercent ?? AB_LIMITS.defaultSample,
              durationMinutes: ab.durationMinutes ?? AB_LIMITS.defaultDuration,
              metric: ab.metric ?? "open_rate"
            }
    }
    return content
  })

/** The team's broadcast of that id, or `BroadcastNotFound` (another team's too). */
export const findBroadcast = (teamId: TeamId, id: BroadcastPublicId) =>
  Effect.flatMap(BroadcastRepository, (r) => r.get(teamId, id)).pipe(
    Effect.flatMap(
      Option.match({
        onNone: () => Effect.fail(new BroadcastNotFound({ id })),
        onSome: (read: BroadcastRead) => Effect.succeed(read)
      })
    )
  )
