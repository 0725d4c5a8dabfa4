import {
  type ApiKey,
  InvalidApiKey,
  isActive,
  modeOfSecret,
  needsLastUsedRefresh,
  TeamClosed
} from "@poststack/domain"
import { Clock, Effect, Option, Redacted } from "effect"
import { ApiKeyRepository } from "../ports/ApiKeyRepository.js"
import { KeyMaterial } from "../ports/KeyMaterial.js"

const invalid = new InvalidApiKey({ message: "Invalid API key" })
const closed = new TeamClosed({
  message: "This API key belonged to a team that was closed: its keys were revoked and it sends no more mail"
})

/** The key stored under `keyHash`, if it is still active. */
const activeKey = Effect.fnUntraced(function* (keyHash: Uint8Array) {
  const keys = yield* ApiKeyRepository
  const found = yield* keys.findByHash(keyHash)
  if (Option.isNone(found)) return yield* (yield* keys.closedTeamOf(keyHash)) ? closed : invalid
  const key: ApiKey = found.value
  const now = new Date(yield* Clock.currentTimeMillis)
  if (!isActive(key, now)) return yield* invalid
  if (needsLastUsedRefresh(key, now)) {
    // Bookkeeping must never fail a request that authenticated.
    yield* keys
      .touch(key.id, now)
      .pipe(Effect.catchAll((e) => Effect.logWarning("lastUsedAt not updated", e)))
  }
  return key
})

/**
 * A secret's key and the hash it is stored under, for a connection that stays authenticated
 * (the SMTP relay): `ReauthenticateApiKey` with that hash finds the key again, or refuses it once
 * it was deleted, rotated or expired. The secret itself need not be kept.
 */
// Untraced, as it runs on every API request (see SendEmail).
export const AuthenticateApiKeyForSession = Effect.fnUntraced(function* (
  plaintext: Redacted.Redacted<string>
) {
  if (modeOfSecret(Redacted.value(plaintext)) === undefined) return yield* invalid
  const material = yield* KeyMaterial
  const keyHash = yield* material.hash(plaintext)
  const key = yield* activeKey(keyHash)
  return { key, keyHash }
})

/**
 * Finds the key a request presents. Unknown, malformed, revoked and expired keys look the same;
 * a key of a closed team fails with `TeamClosed`.
 */
export const AuthenticateApiKey = (plaintext: Redacted.Redacted<string>) =>
  Effect.map(AuthenticateApiKeyForSession(plaintext), (session) => session.key)

/**
 * The key of an authenticated session, as it is now: fails with `InvalidApiKey` once it was
 * deleted, rotated or expired. Lookups go through the repository's short read cache.
 */
export const ReauthenticateApiKey = (keyHash: Uint8Array) => activeKey(keyHash)
