import { contactsCsv, ResourceNotFound } from "@poststack/domain"
import { Effect } from "effect"
import { ContactRepository } from "../../ports/ContactRepository.js"
import { authorize, type Principal } from "../Principal.js"

/**
 * Every contact of the team as CSV (RFC 4180, formula-looking cells defused). A `segmentId` names
 * a segment; until segments exist no id is known, and an unknown one is 404 as the contract says.
 */
export const ExportContacts = Effect.fn("ExportContacts")(function* (
  principal: Principal,
  segmentId?: string
) {
  const { teamId } = yield* authorize(principal, "contacts")
  if (segmentId !== undefined) return yield* new ResourceNotFound({ message: "Segment not found" })
  const contacts = yield* (yield* ContactRepository).all(teamId)
  return contactsCsv(contacts)
})
