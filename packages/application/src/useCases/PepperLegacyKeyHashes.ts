import { Effect } from "effect"
import { ApiKeyRepository } from "../ports/ApiKeyRepository.js"
import { KeyMaterial } from "../ports/KeyMaterial.js"

/**
 * Converts the hashes of keys stored before peppering (their plain SHA-256) to the peppered form,
 * which is an HMAC of that same SHA-256: no key needs to be known. Runs at server start, before
 * any request is authenticated; several processes may run it at once, each row is converted once.
 * Returns how many rows this run converted.
 */
export const PepperLegacyKeyHashes = Effect.fn("PepperLegacyKeyHashes")(function* () {
  const keys = yield* ApiKeyRepository
  const material = yield* KeyMaterial
  let converted = 0
  for (const legacy of yield* keys.legacyHashes()) {
    const peppered = yield* material.pepperDigest(legacy.sha256)
    if (yield* keys.pepperLegacyHash(legacy.id, legacy.sha256, peppered)) converted++
  }
  return converted
})
