import { readFileSync } from "node:fs"
import * as path from "node:path"
import {
  decodeWebhookEvent,
  encodeWebhookEvent,
  notificationMessage,
  WEBHOOK_EVENT_TYPES,
  type WebhookEvent
} from "@poststack/domain"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { webhookEventExamples } from "../fixtures/webhookEventExamples.js"

const committed = path.resolve(import.meta.dirname, "../fixtures/webhook-events.json")

describe("webhook event wire shapes", () => {
  it("match the committed webhook-events.json (run `pnpm events:fixture` after changing an event on purpose)", () => {
    expect(JSON.parse(readFileSync(committed, "utf8"))).toEqual(
      JSON.parse(JSON.stringify(webhookEventExamples.map(encodeWebhookEvent)))
    )
  })

  it("have one example for every event type of the union, so a new event needs its fixture", () => {
    expect(webhookEventExamples.map((e) => e.type)).toEqual(WEBHOOK_EVENT_TYPES)
    expect(new Set(WEBHOOK_EVENT_TYPES).size).toBe(WEBHOOK_EVENT_TYPES.length)
  })

  it("read back what they wrote", () => {
    for (const event of JSON.parse(readFileSync(committed, "utf8")) as ReadonlyArray<unknown>) {
      const decoded = decodeWebhookEvent(event)
      expect(Either.isRight(decoded), JSON.stringify(event)).toBe(true)
      if (Either.isRight(decoded)) expect(encodeWebhookEvent(decoded.right)).toEqual(event)
    }
  })

  it("refuse a key the contract does not name, a wrong enum value and an unknown type", () => {
    const delivered = webhookEventExamples.find((e) => e.type === "email.delivered") as WebhookEvent
    expect(() =>
      encodeWebhookEvent({ ...delivered, data: { ...delivered.data, emailId: "x" } } as never)
    ).toThrow()
    const suppressed = webhookEventExamples.find((e) => e.type === "email.suppressed") as WebhookEvent
    expect(
      Either.isLeft(
        decodeWebhookEvent({ type: suppressed.type, data: { ...suppressed.data, reason: "bored" } })
      )
    ).toBe(true)
    expect(Either.isLeft(decodeWebhookEvent({ type: "email.teleported", data: delivered.data }))).toBe(true)
  })
})

describe("notification messages from typed events", () => {
  const message = (type: string) => {
    const event = encodeWebhookEvent(webhookEventExamples.find((e) => e.type === type) as WebhookEvent)
    return notificationMessage({ type: event.type, timestamp: new Date(0), data: event.data })
  }

  it("show each event's own lines: why an email bounced, which channel was disabled", () => {
    expect(message("email.bounced").fields).toEqual([
      { label: "Recipient", value: "ada@example.net" },
      { label: "From", value: "Example <hello@example.com>" },
      { label: "To", value: "ada@example.net" },
      { label: "Subject", value: "Welcome" },
      { label: "Reason", value: "550 5.1.1 no such user" },
      { label: "Email", value: "em_0123456789abcdef0123456789abcdef" }
    ])
    expect(message("email.delivered").fields.map((f) => f.label)).not.toContain("Reason")
    expect(message("notification_channel.disabled").fields).toEqual([
      { label: "Name", value: "Ops" },
      { label: "Reason", value: "410 Gone" },
      { label: "Channel", value: "nc_0123456789abcdef" }
    ])
    expect(message("domain.verification_failed").fields).toEqual([
      { label: "Domain", value: "example.com" },
      { label: "Status", value: "failed" }
    ])
  })
})
