import type { ApiKeyMode } from "@poststack/domain"
import { Context, type Effect, type Redacted } from "effect"

export interface MintedKey {
  readonly plaintext: Redacted.Redacted<string>
  readonly keyHash: Uint8Array
  readonly keyPrefix: string
}

/**
 * Makes API key secrets (256 random bits) and the peppered hashes stored for them: an HMAC, under
 * a server secret kept outside the database, of the secret's SHA-256.
 */
export class KeyMaterial extends Context.Tag("@poststack/application/KeyMaterial")<
  KeyMaterial,
  {
    readonly mint: (mode: ApiKeyMode) => Effect.Effect<MintedKey>
    /** The stored hash of a presented secret; cheap enough for every request. */
    readonly hash: (plaintext: Redacted.Redacted<string>) => Effect.Effect<Uint8Array>
    /** The stored hash for a key known only by its SHA-256 (a hash stored before peppering). */
    readonly pepperDigest: (sha256: Uint8Array) => Effect.Effect<Uint8Array>
  }
>() {}
