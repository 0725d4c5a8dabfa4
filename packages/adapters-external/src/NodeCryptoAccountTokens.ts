import { createHash, randomBytes } from "node:crypto"
import { AccountTokens } from "@poststack/application"
import { Effect, Layer, Redacted } from "effect"

const sha256 = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest()

/**
 * Secrets from the OS CSPRNG. A session's or link's token is 32 random bytes (base64url); what is
 * stored is its SHA-256, and its CSRF token is a SHA-256 of the token under another label, so
 * neither stored value nor CSRF token lets anyone rebuild the cookie.
 */
export const make = AccountTokens.of({
  mint: () =>
    Effect.sync(() => {
      const token = randomBytes(32).toString("base64url")
      return { token: Redacted.make(token), hash: new Uint8Array(sha256(token)) }
    }),
  hash: (token) => new Uint8Array(sha256(Redacted.value(token))),
  newId: (prefix) => Effect.sync(() => `${prefix}_${randomBytes(12).toString("hex")}`),
  csrfToken: (token) => sha256(`poststack csrf v1\u0000${Redacted.value(token)}`).toString("base64url")
})

export const layer = Layer.succeed(AccountTokens, make)
