import type { Contact, SuppressionReason, TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { SuppressionList } from "../../ports/SuppressionList.js"

/** A contact as the API shows it: with the suppression entry of its address, if any. */
export interface ContactRead {
  readonly contact: Contact
  readonly suppressedFor: SuppressionReason | null
}

/**
 * Reads the suppression list for the contacts' addresses in one call, so a hard bounce or complaint
 * recorded against an address shows on its contact (contacts and suppressions agree both ways).
 */
export const withSuppressions = (teamId: TeamId, contacts: ReadonlyArray<Contact>) =>
  Effect.gen(function* () {
    const list = yield* SuppressionList
    const reasons = yield* list.reasons(
      teamId,
      contacts.map((c) => c.email)
    )
    return contacts.map(
      (contact): ContactRead => ({
        contact,
        suppressedFor: reasons.get(contact.email.toLowerCase())?.reason ?? null
      })
    )
  })

export const readOne = (teamId: TeamId, contact: Contact) =>
  Effect.map(withSuppressions(teamId, [contact]), (reads) => reads[0] as ContactRead)
