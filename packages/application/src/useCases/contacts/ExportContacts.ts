import { contactsCsv, ResourceNotFound, SegmentPublicId } from "@poststack/domain"
import { Effect, Option, Schema } from "effect"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { SegmentRepository } from "../../ports/SegmentRepository.js"
import { authorize, type Principal } from "../Principal.js"
import { audienceOf } from "../segments/audience.js"

/**
 * Every contact of the team, or of one of its segments, as CSV (RFC 4180, formula-looking cells
 * defused). A `segmentId` that names no segment of the team is 404, as the contract says.
 */
export const ExportContacts = Effect.fn("ExportContacts")(function* (
  principal: Principal,
  segmentId?: string
) {
  const { teamId } = yield* authorize(principal, "contacts")
  const contacts = yield* ContactRepository
  if (segmentId === undefined) return contactsCsv(yield* contacts.all(teamId))
  const segment = Schema.is(SegmentPublicId)(segmentId)
    ? yield* (yield* SegmentRepository).get(teamId, segmentId)
    : Option.none()
  if (Option.isNone(segment)) return yield* new ResourceNotFound({ message: "Segment not found" })
  return contactsCsv(yield* contacts.all(teamId, yield* audienceOf(segment.value)))
})
