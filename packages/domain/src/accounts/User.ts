import { Schema } from "effect"
import { normalizeAddress } from "../emails/Address.js"
import { oneLine } from "../Text.js"

/** A person's id, `usr_` and 24 hex digits; public (it appears in member lists). */
export const UserId = Schema.String.pipe(Schema.pattern(/^usr_[0-9a-f]{24}$/), Schema.brand("UserId"))
export type UserId = typeof UserId.Type

/** The address a person signs in with: trimmed, a deliverable address, compared without case. */
export const AccountEmail = Schema.Trim.pipe(
  Schema.filter((s) => normalizeAddress(s) !== undefined || "must be a valid email address"),
  Schema.transform(Schema.String, {
    strict: true,
    decode: (s) => (normalizeAddress(s) ?? s).toLowerCase(),
    encode: (s) => s
  })
)

/** The same address, however it was typed: how accounts are looked up. */
export const canonicalEmail = (address: string): string => address.trim().toLowerCase()

/** Long enough to resist guessing (NIST 800-63B asks for 8; we ask for 10), short enough to hash. */
export const PASSWORD_MIN_LENGTH = 10
export const PASSWORD_MAX_LENGTH = 256

export const Password = Schema.String.pipe(
  Schema.minLength(PASSWORD_MIN_LENGTH, {
    message: () => `password must be at least ${PASSWORD_MIN_LENGTH} characters`
  }),
  Schema.maxLength(PASSWORD_MAX_LENGTH, {
    message: () => `password must be at most ${PASSWORD_MAX_LENGTH} characters`
  }),
  Schema.Redacted
)

/** An IANA time zone name (`Europe/Paris`, `UTC`) this runtime knows. */
export const isTimeZone = (name: string): boolean => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name })
    return name.length <= 64
  } catch {
    return false
  }
}

export const TimeZone = Schema.String.pipe(
  Schema.filter((s) => isTimeZone(s) || "must be an IANA time zone such as Europe/Paris or UTC")
)

/** A person's name: one line, as it goes into the subject and text of system mail (see `oneLine`). */
export const DisplayName = Schema.Trim.pipe(
  Schema.maxLength(100, { message: () => "name must be at most 100 characters" }),
  Schema.filter(oneLine)
)

/** A team's name: 1 to 100 characters on one line. */
export const TeamName = Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100), Schema.filter(oneLine))

export class User extends Schema.Class<User>("User")({
  id: UserId,
  email: Schema.String,
  name: Schema.String,
  emailVerifiedAt: Schema.NullOr(Schema.DateFromSelf),
  timeZone: Schema.String,
  createdAt: Schema.DateFromSelf
}) {}

/** A person as the credential check sees them: the stored Argon2id hash travels only here. */
export interface UserCredentials {
  readonly user: User
  readonly passwordHash: string | null
}

/** What a single-use link sent by mail is for. */
export type AccountLinkPurpose = "verify_email" | "reset_password" | "change_email"

/** How long each kind of link works. Resets are short, as they grant the account. */
export const ACCOUNT_LINK_LIFETIME_MS: Readonly<Record<AccountLinkPurpose, number>> = {
  verify_email: 48 * 3_600_000,
  reset_password: 3_600_000,
  change_email: 24 * 3_600_000
}
