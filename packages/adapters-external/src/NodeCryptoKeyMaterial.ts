import { createHash, randomBytes } from "node:crypto"
import { KeyMaterial } from "@poststack/application"
import { keyPrefixOf } from "@poststack/domain"
import { Effect, Layer, Redacted } from "effect"

const sha256 = (plaintext: string): Uint8Array => createHash("sha256").update(plaintext, "utf8").digest()

/** 32 bytes from the OS CSPRNG, base64url encoded: `sk_live_` + 43 characters. */
export const make = KeyMaterial.of({
  mint: (mode) =>
    Effect.sync(() => {
      const plaintext = `sk_${mode}_${randomBytes(32).toString("base64url")}`
      return {
        plaintext: Redacted.make(plaintext),
        keyHash: sha256(plaintext),
        keyPrefix: keyPrefixOf(plaintext)
      }
    }),
  hash: (plaintext) => Effect.sync(() => sha256(Redacted.value(plaintext)))
})

export const layer = Layer.succeed(KeyMaterial, make)
