import { generateKeyPair, randomInt } from "node:crypto"
import { DkimKeyGenerator } from "@poststack/application"
import { Effect, Layer, Redacted } from "effect"

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
const selector = () => `ps${Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("")}`

export const make = DkimKeyGenerator.of({
  generate: Effect.async((resume) => {
    generateKeyPair(
      "rsa",
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: "spki", format: "der" },
        privateKeyEncoding: { type: "pkcs8", format: "pem" }
      },
      (error, publicKey, privateKey) => {
        if (error !== null) return resume(Effect.die(error))
        resume(
          Effect.succeed({
            selector: selector(),
            publicKey: publicKey.toString("base64"),
            privateKeyPem: Redacted.make(privateKey)
          })
        )
      }
    )
  })
})

export const layer = Layer.succeed(DkimKeyGenerator, make)
