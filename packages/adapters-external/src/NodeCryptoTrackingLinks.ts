import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto"
import { TrackingLinks } from "@poststack/application"
import { Config, ConfigError, Effect, Layer, Option, Redacted } from "effect"
import { keyConfig } from "./NodeCryptoSecretBox.js"

/** Context string of the HKDF: a key derived for links is useless for anything else. */
const INFO = "poststack tracking links v1"

/** A 32-byte HMAC key derived (HKDF-SHA256) from a secret, so links never use the secret itself. */
export const deriveKey = (secret: Uint8Array): Redacted.Redacted<Uint8Array> =>
  Redacted.make(new Uint8Array(hkdfSync("sha256", secret, new Uint8Array(0), INFO, 32)))

/** HMAC-SHA256 truncated to 128 bits, base64url (22 characters): short links, forgery still out of reach. */
export const make = (key: Redacted.Redacted<Uint8Array>, publicUrl: string) => {
  const mac = (input: string) =>
    createHmac("sha256", Redacted.value(key)).update(input, "utf8").digest().subarray(0, 16)
  return TrackingLinks.of({
    publicUrl: publicUrl.replace(/\/+$/, ""),
    sign: (input) => mac(input).toString("base64url"),
    verify: (input, signature) => {
      const given = Buffer.from(signature, "base64url")
      const expected = mac(input)
      return given.length === expected.length && timingSafeEqual(given, expected)
    }
  })
}

export const layer = (options: {
  readonly secret: Redacted.Redacted<Uint8Array>
  readonly publicUrl: string
}) => Layer.succeed(TrackingLinks, make(deriveKey(Redacted.value(options.secret)), options.publicUrl))

/**
 * `POSTSTACK_TRACKING_SECRET` when set (at least 32 characters; changing it breaks links already
 * sent), else a key derived from `POSTSTACK_ENCRYPTION_KEY`. Links point at `POSTSTACK_PUBLIC_URL`.
 */
export const layerConfig = Layer.effect(
  TrackingLinks,
  Effect.gen(function* () {
    const port = yield* Config.port("PORT").pipe(Config.withDefault(3000))
    const publicUrl = yield* Config.string("POSTSTACK_PUBLIC_URL").pipe(
      Config.withDefault(`http://localhost:${port}`)
    )
    const dedicated = yield* Config.option(Config.redacted("POSTSTACK_TRACKING_SECRET"))
    if (Option.isSome(dedicated)) {
      const text = Redacted.value(dedicated.value)
      if (text.length < 32) {
        return yield* Effect.fail(
          ConfigError.InvalidData(["POSTSTACK_TRACKING_SECRET"], "must be at least 32 characters")
        )
      }
      return make(deriveKey(new TextEncoder().encode(text)), publicUrl)
    }
    const key = yield* keyConfig()
    return make(deriveKey(Redacted.value(key)), publicUrl)
  })
)
