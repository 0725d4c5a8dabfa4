import { Either } from "effect"
import type { PropertyValues } from "../contacts/Contact.js"
import { PropertyValueInvalid } from "../contacts/ContactErrors.js"
import { type ContactProperty, coerceValue } from "../contacts/Property.js"
import { normalizeAddress } from "../emails/Address.js"
import { ValidationFailed } from "../errors.js"
import type { SignupFormField } from "./SignupForm.js"

/**
 * The honeypot: an input the embeddable snippet hides from people. Only a bot fills it; such a
 * submission is answered like any other and dropped. A property name cannot start with `_`, so
 * it never collides with one.
 */
export const HONEYPOT_FIELD = "_website"

/** The keys a submission reads for the contact itself; every other key may name a property. */
const CONTACT_KEYS = new Set(["email", "first_name", "last_name"])

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/

/** Why a form's fields cannot be stored, or `undefined`. */
export const fieldsProblem = (fields: ReadonlyArray<SignupFormField>): string | undefined => {
  const names = new Set<string>()
  for (const field of fields) {
    if (!NAME.test(field.name))
      return `Field name "${field.name}" must start with a letter and hold only letters, digits and underscores`
    if (names.has(field.name)) return `Field "${field.name}" appears twice`
    names.add(field.name)
    if (field.type === "email" && field.name !== "email") return `The email field must be named "email"`
    if (field.name === "email" && field.type !== "email") return `Field "email" must be of type email`
    const options = field.options ?? []
    if (field.type === "select" && options.length === 0) return `Select field "${field.name}" needs options`
    if (field.type !== "select" && options.length > 0)
      return `Only select fields have options ("${field.name}")`
  }
  return undefined
}

/** What a submission holds once read: the contact's address and names, and typed property values. */
export interface SubmissionValues {
  readonly email: string
  readonly firstName: string | null
  readonly lastName: string | null
  readonly properties: PropertyValues
}

const present = (value: unknown) => value !== undefined && value !== null && value !== ""

const name = (body: Readonly<Record<string, unknown>>, key: string) => {
  const value = body[key]
  if (!present(value)) return Either.right(null)
  if (typeof value !== "string" || value.length > 200)
    return Either.left(new ValidationFailed({ message: `${key} must be text of at most 200 characters` }))
  return Either.right(value.trim() === "" ? null : value.trim())
}

/**
 * Reads a visitor's submission against the form and the team's properties: the address must be
 * one, the form's required fields filled and its selects answered with one of their options; a
 * key naming a property is coerced to its type (a wrong type names the property), and the team's
 * required properties must be given, as for any new contact. Keys naming nothing are ignored, and
 * an empty value counts as not given (what an untouched input of an HTML form sends).
 */
export const readSubmission = (
  fields: ReadonlyArray<SignupFormField>,
  definitions: ReadonlyArray<ContactProperty>,
  body: Readonly<Record<string, unknown>>
): Either.Either<SubmissionValues, ValidationFailed | PropertyValueInvalid> => {
  const raw = body.email
  const email = typeof raw === "string" ? normalizeAddress(raw.trim()) : undefined
  if (email === undefined)
    return Either.left(new ValidationFailed({ message: "email must be a valid email address" }))
  for (const field of fields) {
    const value = body[field.name]
    if (field.required && !present(value))
      return Either.left(new ValidationFailed({ message: `${field.label || field.name} is required` }))
    if (field.type === "select" && present(value) && !(field.options ?? []).includes(String(value)))
      return Either.left(
        new ValidationFailed({ message: `${field.label || field.name}: not one of the form's options` })
      )
  }
  const firstName = name(body, "first_name")
  if (Either.isLeft(firstName)) return Either.left(firstName.left)
  const lastName = name(body, "last_name")
  if (Either.isLeft(lastName)) return Either.left(lastName.left)
  const byName = new Map(definitions.map((d) => [d.name, d]))
  const properties: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(body)) {
    const property = byName.get(key)
    if (CONTACT_KEYS.has(key) || property === undefined || !present(value)) continue
    const coerced = coerceValue(property, value)
    if (Either.isLeft(coerced)) return Either.left(coerced.left)
    if (coerced.right !== null) properties[key] = coerced.right
  }
  for (const property of definitions)
    if (property.required && properties[property.name] === undefined)
      return Either.left(new PropertyValueInvalid({ property: property.name, reason: "is required" }))
  return Either.right({ email, firstName: firstName.right, lastName: lastName.right, properties })
}

/** Whether the honeypot was filled: the submission is a bot's. */
export const isBot = (body: Readonly<Record<string, unknown>>): boolean => present(body[HONEYPOT_FIELD])
