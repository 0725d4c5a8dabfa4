import { Schema } from "effect"
import { DomainId } from "./domains/DomainRef.js"
import { TeamId } from "./Team.js"

export const ApiKeyId = Schema.Int.pipe(Schema.positive(), Schema.brand("ApiKeyId"))
export type ApiKeyId = typeof ApiKeyId.Type

export const ApiKeyPermission = Schema.Literal("full_access", "sending_access")
export type ApiKeyPermission = typeof ApiKeyPermission.Type

export const ApiKeyMode = Schema.Literal("live", "test")
export type ApiKeyMode = typeof ApiKeyMode.Type

export const ApiKeyName = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "name must not be empty" }),
  Schema.maxLength(100, { message: () => "name must be at most 100 characters" })
)

/**
 * The plaintext form of a key: `sk_live_` or `sk_test_` followed by at least 16 URL-safe characters.
 * Keys we mint carry 256 random bits (43 base64url characters).
 */
export const ApiKeySecretPattern = /^sk_(live|test)_[A-Za-z0-9_-]{16,200}$/

/** How many characters of a key are kept in clear for display (`sk_live_` plus four). */
export const KEY_PREFIX_LENGTH = 12

export const keyPrefixOf = (plaintext: string): string => plaintext.slice(0, KEY_PREFIX_LENGTH)

/** The mode a plaintext key declares through its prefix, if it is well formed at all. */
export const modeOfSecret = (plaintext: string): ApiKeyMode | undefined => {
  const match = ApiKeySecretPattern.exec(plaintext)
  return match === null ? undefined : match[1] === "live" ? "live" : "test"
}

export class ApiKey extends Schema.Class<ApiKey>("ApiKey")({
  id: ApiKeyId,
  teamId: TeamId,
  name: Schema.String,
  keyPrefix: Schema.String,
  permission: ApiKeyPermission,
  mode: ApiKeyMode,
  domainId: Schema.NullOr(DomainId),
  lastUsedAt: Schema.NullOr(Schema.DateFromSelf),
  expiresAt: Schema.NullOr(Schema.DateFromSelf),
  createdAt: Schema.DateFromSelf
}) {}

/** What a request authenticated by a key may reach. */
export type Capability = "send_email" | "read_email" | "manage_team"

export const allows = (permission: ApiKeyPermission, capability: Capability): boolean =>
  permission === "full_access" || capability !== "manage_team"

/** Whether a key is usable at `now`: expired keys authenticate nobody. */
export const isActive = (key: Pick<ApiKey, "expiresAt">, now: Date): boolean =>
  key.expiresAt === null || key.expiresAt.getTime() > now.getTime()

/** `lastUsedAt` is refreshed at most this often, so authenticating is not a write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000

export const needsLastUsedRefresh = (key: Pick<ApiKey, "lastUsedAt">, now: Date): boolean =>
  key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS
