import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { SecretBox } from "@poststack/application"
import { Config, ConfigError, Effect, Either, Layer, Option, Redacted } from "effect"

const VERSION = 1
const AAD = Buffer.from("poststack:secretbox:v1")

/** AES-256-GCM: version byte, 12-byte nonce, ciphertext, 16-byte tag. */
export const make = (key: Redacted.Redacted<Uint8Array>) => {
  const k = Buffer.from(Redacted.value(key))
  if (k.length !== 32) throw new Error("the encryption key must be 32 bytes")
  return SecretBox.of({
    seal: (secret) =>
      Effect.sync(() => {
        const nonce = randomBytes(12)
        const cipher = createCipheriv("aes-256-gcm", k, nonce).setAAD(AAD)
        const body = Buffer.concat([cipher.update(Redacted.value(secret), "utf8"), cipher.final()])
        return new Uint8Array(Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]))
      }),
    open: (sealed) =>
      Effect.sync(() => {
        const bytes = Buffer.from(sealed)
        if (bytes[0] !== VERSION) throw new Error("unknown sealed secret version")
        const decipher = createDecipheriv("aes-256-gcm", k, bytes.subarray(1, 13)).setAAD(AAD)
        decipher.setAuthTag(bytes.subarray(bytes.length - 16))
        const plain = Buffer.concat([
          decipher.update(bytes.subarray(13, bytes.length - 16)),
          decipher.final()
        ])
        return Redacted.make(plain.toString("utf8"))
      })
  })
}

/** Accepts 32 bytes as base64 (44 characters) or hex (64 characters). */
export const parseKey = (text: string): Either.Either<Uint8Array, string> => {
  const trimmed = text.trim()
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : Buffer.from(trimmed, "base64")
  return bytes.length === 32
    ? Either.right(new Uint8Array(bytes))
    : Either.left("must be 32 bytes, as base64 or hex")
}

/**
 * `POSTSTACK_ENCRYPTION_KEY`. Without it, and only without `DATABASE_URL` (one laptop, one
 * process), a key is generated once into `<data dir>/encryption.key` (mode 0600). With an
 * external database every process must share the key, so it is required.
 */
export const layerConfig = Layer.effect(SecretBox, Effect.map(keyConfig(), make))

/** The deployment's 32-byte encryption key, from the environment or (single process) the data directory. */
export function keyConfig() {
  return Effect.gen(function* () {
    const configured = yield* Config.option(Config.redacted("POSTSTACK_ENCRYPTION_KEY"))
    if (Option.isSome(configured)) {
      const parsed = parseKey(Redacted.value(configured.value))
      if (Either.isLeft(parsed)) {
        return yield* Effect.fail(ConfigError.InvalidData(["POSTSTACK_ENCRYPTION_KEY"], parsed.left))
      }
      return Redacted.make(parsed.right)
    }
    const external = yield* Config.option(Config.string("DATABASE_URL"))
    if (Option.isSome(external)) {
      return yield* Effect.fail(
        ConfigError.MissingData(
          ["POSTSTACK_ENCRYPTION_KEY"],
          "POSTSTACK_ENCRYPTION_KEY (32 bytes, base64) is required with DATABASE_URL: every process must share it. Make one with: openssl rand -base64 32"
        )
      )
    }
    const dataDir = yield* Config.string("POSTSTACK_DATA_DIR").pipe(Config.withDefault("./.poststack"))
    const file = path.resolve(dataDir, "encryption.key")
    const key = yield* Effect.sync(() => {
      if (!existsSync(file)) {
        mkdirSync(path.dirname(file), { recursive: true })
        writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" })
      }
      return parseKey(readFileSync(file, "utf8"))
    })
    if (Either.isLeft(key)) return yield* Effect.die(new Error(`${file}: ${key.left}`))
    return Redacted.make(key.right)
  })
}
