import { createHmac, randomBytes } from "node:crypto"
import { WebhookSigner } from "@poststack/application"
import {
  postStackSignatureHeader,
  SECRET_PREFIX,
  standardKeyBase64,
  standardSignatureHeader,
  standardSignedContent
} from "@poststack/domain"
import { Effect, Layer, Redacted } from "effect"

export const make = WebhookSigner.of({
  newSecret: Effect.sync(() => Redacted.make(`${SECRET_PREFIX}${randomBytes(32).toString("base64")}`)),
  sign: ({ secrets, eventId, timestamp, body }) =>
    Effect.sync(() => {
      const plain = secrets.map(Redacted.value)
      const hex = plain.map((s) =>
        createHmac("sha256", Buffer.from(s, "utf8")).update(body, "utf8").digest("hex")
      )
      const content = standardSignedContent(eventId, timestamp, body)
      const b64 = plain.map((s) =>
        createHmac("sha256", Buffer.from(standardKeyBase64(s), "base64"))
          .update(content, "utf8")
          .digest("base64")
      )
      return {
        "x-poststack-signature": postStackSignatureHeader(hex),
        "webhook-id": eventId,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
        "webhook-signature": standardSignatureHeader(b64)
      }
    })
})

export const layer = Layer.succeed(WebhookSigner, make)
