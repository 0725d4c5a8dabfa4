import { applyPropertyValues, contactEvent, normalizeAddress, ValidationFailed } from "@poststack/domain"
import { Effect, Either } from "effect"
import { ContactPropertyRepository } from "../../ports/ContactPropertyRepository.js"
import { ContactRepository, type NewContact } from "../../ports/ContactRepository.js"
import { authorize, outboxFor, type Principal } from "../Principal.js"

export const MAX_IMPORT_ROWS = 10_000
const MAX_ERRORS = 100

export interface ImportRow {
  readonly email: string
  readonly firstName?: string | null | undefined
  readonly lastName?: string | null | undefined
  readonly properties?: Readonly<Record<string, unknown>> | null | undefined
}

/**
 * Imports 1 to 10,000 rows. A row with a bad address or a property value that does not fit is
 * rejected (listed in `errors`, at most 100 entries, as `"<email>: <reason>"`); the rest go in one
 * statement, where addresses the team already has are skipped, not updated.
 */
export const ImportContacts = Effect.fn("ImportContacts")(function* (
  principal: Principal,
  rows: ReadonlyArray<ImportRow>
) {
  const { teamId } = yield* authorize(principal, "contacts")
  if (rows.length === 0 || rows.length > MAX_IMPORT_ROWS)
    return yield* new ValidationFailed({ message: `An import takes 1 to ${MAX_IMPORT_ROWS} contacts` })
  const definitions = yield* (yield* ContactPropertyRepository).list(teamId)
  const errors: Array<string> = []
  let rejected = 0
  const accepted: Array<NewContact> = []
  for (const row of rows) {
    const email = normalizeAddress(row.email.trim())
    const properties = applyPropertyValues(definitions, {}, row.properties ?? {})
    const problem =
      email === undefined
        ? "invalid email address"
        : Either.isLeft(properties)
          ? properties.left.message
          : undefined
    if (problem !== undefined || email === undefined || Either.isLeft(properties)) {
      rejected++
      if (errors.length < MAX_ERRORS) errors.push(`${row.email}: ${problem}`)
      continue
    }
    accepted.push({
      email,
      firstName: row.firstName ?? null,
      lastName: row.lastName ?? null,
      unsubscribed: false,
      properties: properties.right
    })
  }
  const { imported, skipped } =
    accepted.length === 0
      ? { imported: 0, skipped: [] }
      : yield* (yield* ContactRepository).importMany(teamId, accepted, (c) =>
          outboxFor(principal)([contactEvent("contact.created", c)])
        )
  return { imported, skipped: skipped.length, rejected, errors }
})
