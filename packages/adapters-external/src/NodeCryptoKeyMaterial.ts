import { createHash, createHmac, createSecretKey, hkdfSync, type KeyObject, randomBytes } from "node:crypto"
import { KeyMaterial } from "@poststack/application"
import { keyPrefixOf } from "@poststack/domain"
import { Effect, Layer, Redacted } from "effect"
import { keyConfig } from "./NodeCryptoSecretBox.js"

/** Context string of the HKDF: the pepper is useless for anything but API key hashes. */
const INFO = "poststack api key pepper v1"

/** The 32-byte pepper (HKDF-SHA256 of the deployment's encryption key); never stored. */
export const derivePepper = (encryptionKey: Uint8Array): Uint8Array =>
  new Uint8Array(hkdfSync("sha256", encryptionKey, new Uint8Array(0), INFO, 32))

const sha256 = (plaintext: string): Buffer => createHash("sha256").update(plaintext, "utf8").digest()

const peppered = (pepper: KeyObject, digest: Uint8Array): Uint8Array =>
  new Uint8Array(createHmac("sha256", pepper).update(digest).digest())

/**
 * What is stored of a key: `HMAC-SHA256(pepper, SHA-256(secret))`. A database dump alone cannot
 * test guesses (the pepper lives in the encryption key, not the database), and a key stored
 * before peppering (its plain SHA-256) is brought to this form without knowing the key.
 */
export const storedHash = (pepper: Uint8Array, plaintext: string): Uint8Array =>
  peppered(createSecretKey(pepper), sha256(plaintext))

/** How many presented secrets keep their hash at hand; the whole set is dropped when full. */
const RECENT_SECRETS = 1024

/** 32 bytes from the OS CSPRNG, base64url encoded: `sk_live_` + 43 characters. */
export const make = (encryptionKey: Redacted.Redacted<Uint8Array>) => {
  // One parsed key for every request: authentication runs on every call of POST /emails.
  const pepper = createSecretKey(derivePepper(Redacted.value(encryptionKey)))
  // The hashes of the secrets presented lately: a client sends the same key with every request,
  // and two hashes and their buffers were a few percent of a request's CPU. The process sees each
  // secret with every request anyway; kept here, it is as exposed as the pepper beside it.
  const recent = new Map<string, Uint8Array>()
  return KeyMaterial.of({
    mint: (mode) =>
      Effect.sync(() => {
        const plaintext = `sk_${mode}_${randomBytes(32).toString("base64url")}`
        return {
          plaintext: Redacted.make(plaintext),
          keyHash: peppered(pepper, sha256(plaintext)),
          keyPrefix: keyPrefixOf(plaintext)
        }
      }),
    hash: (plaintext) =>
      Effect.sync(() => {
        const secret = Redacted.value(plaintext)
        const known = recent.get(secret)
        if (known !== undefined) return known
        const keyHash = peppered(pepper, sha256(secret))
        if (recent.size >= RECENT_SECRETS) recent.clear()
        recent.set(secret, keyHash)
        return keyHash
      }),
    pepperDigest: (digest) => Effect.sync(() => peppered(pepper, digest))
  })
}

export const layer = (encryptionKey: Redacted.Redacted<Uint8Array>) =>
  Layer.succeed(KeyMaterial, make(encryptionKey))

/** The pepper from `POSTSTACK_ENCRYPTION_KEY` (or the data directory's key, as `SecretBox` reads it). */
export const layerConfig = Layer.effect(KeyMaterial, Effect.map(keyConfig(), make))
