import { type ApiKey, InvalidApiKey, isActive, modeOfSecret, needsLastUsedRefresh } from "@poststack/domain"
import { Clock, Effect, Option, Redacted } from "effect"
import { ApiKeyRepository } from "../ports/ApiKeyRepository.js"
import { KeyMaterial } from "../ports/KeyMaterial.js"

const invalid = new InvalidApiKey({ message: "Invalid API key" })

/** Finds the key a request presents. Unknown, malformed, revoked and expired keys look the same. */
// Untraced, as it runs on every API request (see SendEmail).
export const AuthenticateApiKey = Effect.fnUntraced(function* (plaintext: Redacted.Redacted<string>) {
  if (modeOfSecret(Redacted.value(plaintext)) === undefined) return yield* invalid
  const keys = yield* ApiKeyRepository
  const material = yield* KeyMaterial
  const found = yield* keys.findByHash(yield* material.hash(plaintext))
  if (Option.isNone(found)) return yield* invalid
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
