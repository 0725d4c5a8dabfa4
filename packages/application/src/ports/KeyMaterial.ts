import type { ApiKeyMode } from "@poststack/domain"
import { Context, type Effect, type Redacted } from "effect"

export interface MintedKey {
  readonly plaintext: Redacted.Redacted<string>
  readonly keyHash: Uint8Array
  readonly keyPrefix: string
}

/** Makes API key secrets (256 random bits) and their SHA-256 digests. */
export class KeyMaterial extends Context.Tag("@poststack/application/KeyMaterial")<
  KeyMaterial,
  {
    readonly mint: (mode: ApiKeyMode) => Effect.Effect<MintedKey>
    readonly hash: (plaintext: Redacted.Redacted<string>) => Effect.Effect<Uint8Array>
  }
>() {}
