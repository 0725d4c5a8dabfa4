/**
 * Webhook secrets are `whsec_` + base64 of 32 random bytes, so one secret serves both schemes:
 * `X-PostStack-Signature` keys HMAC-SHA256 with the whole string as UTF-8 (what the SDK's verifier
 * does), Standard Webhooks keys it with the base64-decoded part (what its libraries do).
 */
export const SECRET_PREFIX = "whsec_"

/** The Standard Webhooks key text (base64) of a secret. */
export const standardKeyBase64 = (secret: string): string =>
  secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret

/** `sha256=<hex>` per active secret, the newest first. */
export const postStackSignatureHeader = (hexDigests: ReadonlyArray<string>): string =>
  hexDigests.map((hex) => `sha256=${hex}`).join(",")

/** `v1,<base64>` per active secret, space-separated, the newest first. */
export const standardSignatureHeader = (base64Digests: ReadonlyArray<string>): string =>
  base64Digests.map((b64) => `v1,${b64}`).join(" ")

/** What Standard Webhooks signs: `<id>.<unix seconds>.<body>`. */
export const standardSignedContent = (id: string, timestamp: Date, body: string): string =>
  `${id}.${Math.floor(timestamp.getTime() / 1000)}.${body}`
