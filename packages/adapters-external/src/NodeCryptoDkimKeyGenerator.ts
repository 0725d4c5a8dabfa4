import { generateKeyPair } from "node:crypto"
import { DkimKeyGenerator } from "@poststack/application"
import { Effect, Layer, Redacted } from "effect"

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
            publicKey: publicKey.toString("base64"),
            privateKeyPem: Redacted.make(privateKey)
          })
        )
      }
    )
  })
})

export const layer = Layer.succeed(DkimKeyGenerator, make)
