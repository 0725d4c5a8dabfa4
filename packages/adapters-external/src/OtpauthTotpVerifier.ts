import { randomInt } from "node:crypto"
import { TotpVerifier } from "@poststack/application"
import { Effect, Layer, Option, Redacted } from "effect"
import * as OTPAuth from "otpauth"
import QRCode from "qrcode"

const PERIOD_SECONDS = 30
/** Backup codes use letters and digits that cannot be mistaken for one another. */
const ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"

const totp = (secret: OTPAuth.Secret, label = "") =>
  new OTPAuth.TOTP({
    issuer: "PostStack",
    label,
    algorithm: "SHA1",
    digits: 6,
    period: PERIOD_SECONDS,
    secret
  })

const backupCode = () => {
  const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)])
  return `${chars.slice(0, 5).join("")}-${chars.slice(5).join("")}`
}

/**
 * TOTP with `otpauth` (RFC 6238 as authenticator apps expect it: SHA-1, six digits, 30 s, a
 * 160-bit secret from the OS CSPRNG), QR codes drawn as SVG by `qrcode`.
 */
export const make = TotpVerifier.of({
  enrol: (account) =>
    Effect.gen(function* () {
      const secret = new OTPAuth.Secret({ size: 20 })
      const uri = totp(secret, account).toString()
      const qrCodeSvg = yield* Effect.promise(() => QRCode.toString(uri, { type: "svg", margin: 2 }))
      return { secret: Redacted.make(secret.base32), uri, qrCodeSvg }
    }),
  stepOf: (secret, code, nowMs) => {
    const delta = totp(OTPAuth.Secret.fromBase32(Redacted.value(secret))).validate({
      token: code,
      timestamp: nowMs,
      window: 1
    })
    return delta === null ? Option.none() : Option.some(Math.floor(nowMs / 1000 / PERIOD_SECONDS) + delta)
  },
  backupCodes: (count) => Effect.sync(() => Array.from({ length: count }, backupCode))
})

export const layer = Layer.succeed(TotpVerifier, make)
