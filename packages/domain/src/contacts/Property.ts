import { Either, Schema } from "effect"
import type { PropertyValues } from "./Contact.js"
import { PropertyValueInvalid } from "./ContactErrors.js"

/** A contact property's row id (numeric on the wire, as the contract says). */
export const ContactPropertyId = Schema.Int.pipe(Schema.brand("ContactPropertyId"))
export type ContactPropertyId = typeof ContactPropertyId.Type

export const ContactPropertyType = Schema.Literal("text", "number", "boolean", "date", "select")
export type ContactPropertyType = typeof ContactPropertyType.Type

/** A property name: a letter, then letters, digits and underscores; immutable once created. */
export const PropertyName = Schema.String.pipe(Schema.pattern(/^[A-Za-z][A-Za-z0-9_]{0,62}$/))

/** A typed field the team defines for its contacts. `options` only for `select`. */
export class ContactProperty extends Schema.Class<ContactProperty>("ContactProperty")({
  id: ContactPropertyId,
  teamId: Schema.Int,
  name: Schema.String,
  label: Schema.String,
  type: ContactPropertyType,
  options: Schema.NullOr(Schema.Array(Schema.String)),
  required: Schema.Boolean,
  createdAt: Schema.Date
}) {}

/** The longest stored text value, as the import limit says. */
export const MAX_PROPERTY_VALUE_LENGTH = 4096

const invalid = (property: ContactProperty, reason: string) =>
  Either.left(new PropertyValueInvalid({ property: property.name, reason }))

/**
 * A number written in decimal (`12`, ` -1.5 `, `2e3`), or NaN. `Number()` alone also reads
 * `0x10`, `0b11` and `0o7`, which no one means as a contact's score.
 */
export const decimalNumber = (text: string): number =>
  /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : Number.NaN

/** Whether `YYYY-MM-DD` names a real day of the proleptic Gregorian calendar (as `Date` reads it). */
const isCalendarDay = (value: string): boolean => {
  const year = Number(value.slice(0, 4))
  const month = Number(value.slice(5, 7))
  const day = Number(value.slice(8, 10))
  if (month < 1 || month > 12 || day < 1) return false
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days =
    month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
  return day <= days
}

/**
 * The value as stored, or why it does not fit the property. Numbers, booleans and dates given as
 * strings (a CSV or a form) are read; `null` clears the value (refused when required).
 */
export const coerceValue = (
  property: ContactProperty,
  value: unknown
): Either.Either<string | number | boolean | null, PropertyValueInvalid> => {
  if (value === null) return property.required ? invalid(property, "is required") : Either.right(null)
  switch (property.type) {
    case "text":
      if (typeof value !== "string") return invalid(property, "expected text")
      return value.length > MAX_PROPERTY_VALUE_LENGTH
        ? invalid(property, `longer than ${MAX_PROPERTY_VALUE_LENGTH} characters`)
        : Either.right(value)
    case "number": {
      const n =
        typeof value === "number" ? value : typeof value === "string" ? decimalNumber(value) : Number.NaN
      return Number.isFinite(n) ? Either.right(n) : invalid(property, "expected a number")
    }
    case "boolean":
      if (typeof value === "boolean") return Either.right(value)
      if (value === "true" || value === "false") return Either.right(value === "true")
      return invalid(property, "expected true or false")
    case "date": {
      if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}/.test(value))
        return invalid(property, "expected an ISO 8601 date")
      // A bare calendar date (the common case, and a bulk import's) is checked without a `Date`.
      if (value.length === 10)
        return isCalendarDay(value) ? Either.right(value) : invalid(property, "expected an ISO 8601 date")
      const at = new Date(value)
      // A calendar date must be a real one (`2024-02-31` is refused, not rolled into March).
      if (Number.isNaN(at.getTime()) || (value.length === 10 && at.toISOString().slice(0, 10) !== value))
        return invalid(property, "expected an ISO 8601 date")
      return Either.right(value.length === 10 ? value : at.toISOString())
    }
    case "select":
      if (typeof value !== "string") return invalid(property, "expected one of its options")
      return (property.options ?? []).includes(value)
        ? Either.right(value)
        : invalid(property, `"${value}" is not one of its options`)
  }
}

/**
 * The contact's property values after applying `changes` (a partial update: keys absent keep
 * their value, `null` clears one). Every changed key must name a property and fit its type; the
 * result must hold every required property. The first problem names its property.
 */
export const applyPropertyValues = (
  definitions: ReadonlyArray<ContactProperty>,
  current: PropertyValues,
  changes: Readonly<Record<string, unknown>>
): Either.Either<PropertyValues, PropertyValueInvalid> => {
  const byName = new Map(definitions.map((d) => [d.name, d]))
  const next: Record<string, unknown> = { ...current }
  for (const [name, value] of Object.entries(changes)) {
    const property = byName.get(name)
    if (property === undefined)
      return Either.left(new PropertyValueInvalid({ property: name, reason: "no such property" }))
    const coerced = coerceValue(property, value)
    if (Either.isLeft(coerced)) return Either.left(coerced.left)
    if (coerced.right === null) delete next[name]
    else next[name] = coerced.right
  }
  for (const property of definitions)
    if (property.required && next[property.name] === undefined)
      return Either.left(new PropertyValueInvalid({ property: property.name, reason: "is required" }))
  return Either.right(next)
}

/** Why a property definition cannot be stored, or `undefined`. */
export const definitionProblem = (
  type: ContactPropertyType,
  options: ReadonlyArray<string> | null
): string | undefined =>
  type === "select"
    ? options === null || options.length === 0
      ? "A select property needs at least one option"
      : new Set(options).size !== options.length
        ? "Options must be distinct"
        : undefined
    : options !== null && options.length > 0
      ? "Only select properties have options"
      : undefined
