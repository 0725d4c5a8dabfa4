import { randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import { Effect, Redacted } from "effect"
import { derivePepper, make, storedHash } from "../src/NodeCryptoKeyMaterial.js"

const encryptionKey = new Uint8Array(randomBytes(32))
const pepper = derivePepper(encryptionKey)
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

describe("NodeCryptoKeyMaterial.hash", () => {
  it("gives each presented secret its stored hash, the first time and every time after", () => {
    const material = make(Redacted.make(encryptionKey))
    const secrets = Array.from({ length: 2500 }, () => `sk_live_${randomBytes(32).toString("base64url")}`)
    // More secrets than it keeps at hand, each asked twice, then the first ones again.
    for (const secret of [...secrets, ...secrets, ...secrets.slice(0, 10)]) {
      const hashed = Effect.runSync(material.hash(Redacted.make(secret)))
      expect(hex(hashed)).toBe(hex(storedHash(pepper, secret)))
    }
  })

  it("tells secrets apart, and a minted key's hash is the one its secret gets", () => {
    const material = make(Redacted.make(encryptionKey))
    const minted = Effect.runSync(material.mint("live"))
    const again = Effect.runSync(material.hash(minted.plaintext))
    expect(hex(again)).toBe(hex(minted.keyHash))
    const other = Effect.runSync(material.hash(Redacted.make(`${Redacted.value(minted.plaintext)}x`)))
    expect(hex(other)).not.toBe(hex(minted.keyHash))
  })
})
