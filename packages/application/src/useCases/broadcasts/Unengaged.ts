import type { BroadcastPublicId, ContactPublicId, TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { BroadcastRepository } from "../../ports/BroadcastRepository.js"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { findBroadcast } from "./content.js"

/** Contacts whose broadcast mail was delivered but never opened (or clicked). */
export const UnengagedContacts = Effect.fn("UnengagedContacts")(function* (
  principal: Principal,
  id: BroadcastPublicId,
  event: "opened" | "clicked",
  limit: number
) {
  const { teamId } = yield* authorize(principal, "broadcasts")
  const { broadcast } = yield* findBroadcast(teamId, id)
  const found = yield* (yield* BroadcastRepository).unengaged(broadcast.id, event, limit)
  return { broadcast, ...found }
})

const SNAPSHOT_LIMIT = 1_000_000
const ADD_CHUNK = 1000

/**
 * A new draft to the contacts who did not open (or click): they are copied now into a new manual
 * segment, so later opens do not change who the resend reaches.
 */
export const ResendBroadcast = Effect.fn("ResendBroadcast")(function* (
  principal: Principal,
  id: BroadcastPublicId,
  target: "non_openers" | "non_clickers",
  subject: string | undefined
) {
  const { teamId } = yield* authorize(principal, "broadcasts")
  const read = yield* findBroadcast(teamId, id)
  const b = read.broadcast
  const broadcasts = yield* BroadcastRepository
  const segments = yield* SegmentRepository
  const { contacts } = yield* broadcasts.unengaged(
    b.id,
    target === "non_openers" ? "opened" : "clicked",
    SNAPSHOT_LIMIT
  )
  const segment = yield* segments.create(
    teamId as TeamId,
    `${target === "non_openers" ? "Non-openers" : "Non-clickers"} of ${b.subject}`.slice(0, 200),
    null
  )
  for (let k = 0; k < contacts.length; k += ADD_CHUNK)
    yield* segments.addMembers(
      teamId,
      segment.id,
      contacts.slice(k, k + ADD_CHUNK).map((c) => c.id as ContactPublicId)
    )
  const draft = yield* broadcasts.create(teamId, {
    name: b.name,
    subject: subject ?? `Re: ${b.subject}`,
    html: b.html,
    text: b.text,
    from: b.from,
    fromName: b.fromName,
    domainId: b.domainId ?? 0,
    replyTo: b.replyTo,
    segmentId: segment.id,
    segmentPublicId: segment.publicId,
    topicId: b.topicId as never,
    topicPublicId: b.topicPublicId,
    abTest: null,
    apiKeyId: principal._tag === "ApiKey" ? principal.key.id : null,
    testMode: b.testMode,
    scheduledAt: null
  })
  return { draft, segment, recipientCount: contacts.length }
})
