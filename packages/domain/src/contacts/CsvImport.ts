import { Either } from "effect"
import { normalizeAddress } from "../emails/Address.js"
import { textProblem } from "../Text.js"
import type { PropertyValues } from "./Contact.js"
import { PropertyValueInvalid } from "./ContactErrors.js"
import { type ContactProperty, coerceValue } from "./Property.js"

/** The longest first or last name, as the API takes it. */
export const MAX_NAME_LENGTH = 200

/** Which cell of a CSV row holds what, read from its header row. */
export interface CsvColumns {
  readonly width: number
  readonly email: number
  readonly firstName: number | undefined
  readonly lastName: number | undefined
  readonly unsubscribed: number | undefined
  readonly properties: ReadonlyArray<{
    readonly index: number
    readonly name: string
    readonly definition: ContactProperty
  }>
  readonly definitions: ReadonlyArray<ContactProperty>
  /** The team's required properties: a row must give each of them. */
  readonly required: ReadonlyArray<ContactProperty>
}

/** A contact read from a row: what the import adds when the team does not have the address yet. */
export interface CsvContact {
  readonly email: string
  readonly firstName: string | null
  readonly lastName: string | null
  readonly properties: PropertyValues
}

const FIXED: Readonly<Record<string, "email" | "firstName" | "lastName" | "unsubscribed">> = {
  email: "email",
  first_name: "firstName",
  firstname: "firstName",
  last_name: "lastName",
  lastname: "lastName",
  unsubscribed: "unsubscribed"
}
/** Columns of our own export that are derived, not imported: a re-imported export just works. */
const DERIVED = new Set(["id", "engagement_segment", "created_at"])

/**
 * The column plan of a header row: `email` (required), `first_name`, `last_name`, `unsubscribed`
 * (any case), then the team's property names (exact). An unknown or repeated column refuses the
 * whole file before anything is written: a misspelt property must not be dropped silently.
 */
export const csvColumns = (
  header: ReadonlyArray<string>,
  definitions: ReadonlyArray<ContactProperty>
): Either.Either<CsvColumns, string> => {
  const byName = new Map(definitions.map((d) => [d.name, d]))
  const fixed: Partial<Record<"email" | "firstName" | "lastName" | "unsubscribed", number>> = {}
  const properties: Array<{ index: number; name: string; definition: ContactProperty }> = []
  const seen = new Set<string>()
  for (const [index, raw] of header.entries()) {
    const name = raw.trim()
    const key = FIXED[name.toLowerCase()]
    const id = key ?? (byName.has(name) ? `property:${name}` : name.toLowerCase())
    if (seen.has(id)) return Either.left(`column "${name}" appears twice`)
    seen.add(id)
    if (key !== undefined) fixed[key] = index
    else {
      const definition = byName.get(name)
      if (definition !== undefined) properties.push({ index, name, definition })
      else if (!DERIVED.has(name.toLowerCase()))
        return Either.left(
          name === ""
            ? `column ${index + 1} has no name`
            : `unknown column "${name}": not email, first_name, last_name, unsubscribed nor a contact property of the team (add the property first, or remove the column)`
        )
    }
  }
  if (fixed.email === undefined) return Either.left("no email column")
  return Either.right({
    width: header.length,
    email: fixed.email,
    firstName: fixed.firstName,
    lastName: fixed.lastName,
    unsubscribed: fixed.unsubscribed,
    properties,
    definitions,
    required: definitions.filter((d) => d.required)
  })
}

const name = (cells: ReadonlyArray<string>, index: number | undefined, label: string) => {
  const value = index === undefined ? "" : (cells[index] ?? "").trim()
  if (value.length > MAX_NAME_LENGTH) return Either.left(`${label} longer than ${MAX_NAME_LENGTH} characters`)
  const problem = textProblem(value)
  if (problem !== undefined) return Either.left(`${label} ${problem}`)
  return Either.right(value === "" ? null : value)
}

/**
 * The contact of one data row, or why the row is rejected. An empty property cell leaves the value
 * unset (a required property then rejects the row). A row marked unsubscribed is rejected: an
 * opt-out has to reach the suppression list too, which the API's unsubscribe does.
 */
export const csvContact = (
  columns: CsvColumns,
  cells: ReadonlyArray<string>
): Either.Either<CsvContact, string> => {
  if (cells.length !== columns.width)
    return Either.left(`expected ${columns.width} cells, found ${cells.length}`)
  const rawEmail = (cells[columns.email] ?? "").trim()
  const email = normalizeAddress(rawEmail)
  if (email === undefined) return Either.left(rawEmail === "" ? "no email address" : "invalid email address")
  if (columns.unsubscribed !== undefined) {
    const flag = (cells[columns.unsubscribed] ?? "").trim().toLowerCase()
    if (flag === "true")
      return Either.left("unsubscribed: add opt-outs with the API, so the suppression list agrees")
    if (flag !== "" && flag !== "false") return Either.left("unsubscribed must be true or false")
  }
  const first = name(cells, columns.firstName, "first_name")
  if (Either.isLeft(first)) return Either.left(first.left)
  const last = name(cells, columns.lastName, "last_name")
  if (Either.isLeft(last)) return Either.left(last.left)
  // `applyPropertyValues` on an empty contact, with the column plan's definitions looked up once.
  const properties: Record<string, string | number | boolean> = {}
  for (const p of columns.properties) {
    const cell = cells[p.index] ?? ""
    if (cell.trim() === "") continue
    // A NUL cannot be stored as text: the row is refused here, not the whole file by the database.
    const problem = textProblem(cell)
    if (problem !== undefined) return Either.left(`${p.name} ${problem}`)
    const value = coerceValue(p.definition, cell)
    if (Either.isLeft(value)) return Either.left(value.left.message)
    if (value.right !== null) properties[p.name] = value.right
  }
  for (const property of columns.required)
    if (properties[property.name] === undefined)
      return Either.left(new PropertyValueInvalid({ property: property.name, reason: "is required" }).message)
  return Either.right({ email, firstName: first.right, lastName: last.right, properties })
}
