import { createHmac } from "node:crypto"
import { NodeCryptoWebhookSigner } from "@poststack/adapters-external"
import { Effect, Redacted } from "effect"
import { Webhook } from "standardwebhooks"
import { describe, expect, it } from "vitest"
import { verifyPostStackSignature } from "../support/webhookReceiver.js"

const sign = (secrets: ReadonlyArray<string>, eventId: string, timestamp: Date, body: string) =>
  Effect.runSync(
    NodeCryptoWebhookSigner.make.sign({
      secrets: secrets.map((s) => Redacted.make(s)),
      eventId,
      timestamp,
      body
    })
  )

describe("webhook signatures", () => {
  it("matches the Standard Webhooks reference vector", () => {
    const headers = sign(
      ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      new Date(1614265330 * 1000),
      '{"test": 2432232314}'
    )
    expect(headers["webhook-signature"]).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    expect(headers["webhook-timestamp"]).toBe("1614265330")
    expect(headers["webhook-id"]).toBe("msg_p5jXN8AQM9LWM0D4loKWxJek")
    expect(
      new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").sign(
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        new Date(1614265330 * 1000),
        '{"test": 2432232314}'
      )
    ).toBe(headers["webhook-signature"])
  })

  it("keys X-PostStack-Signature with the whole secret as UTF-8 over the raw body, one value per secret, newest first", () => {
    const body = '{"id":"evt_1","type":"email.sent","timestamp":"2026-11-27T00:00:00.000Z","data":{"é":1}}'
    const headers = sign(["whsec_new", "whsec_old"], "evt_1", new Date(), body)
    const hex = (secret: string) => createHmac("sha256", secret).update(body).digest("hex")
    expect(headers["x-poststack-signature"]).toBe(`sha256=${hex("whsec_new")},sha256=${hex("whsec_old")}`)
    expect(verifyPostStackSignature(body, String(headers["x-poststack-signature"]), "whsec_old")).toBe(true)
    expect(verifyPostStackSignature(`${body} `, String(headers["x-poststack-signature"]), "whsec_old")).toBe(
      false
    )
    expect(verifyPostStackSignature(body, String(headers["x-poststack-signature"]), "whsec_other")).toBe(
      false
    )
  })

  it("makes distinct whsec_ secrets of 32 random bytes", () => {
    const secrets = Array.from({ length: 20 }, () =>
      Redacted.value(Effect.runSync(NodeCryptoWebhookSigner.make.newSecret))
    )
    expect(new Set(secrets).size).toBe(20)
    for (const s of secrets) expect(Buffer.from(s.slice("whsec_".length), "base64")).toHaveLength(32)
  })
})
