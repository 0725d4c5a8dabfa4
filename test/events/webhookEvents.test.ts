import { readFileSync } from "node:fs"
import * as path from "node:path"
import {
  decodeWebhookEvent,
  EmailCancelled,
  EmailQueued,
  encodeWebhookEvent,
  notificationMessage,
  WEBHOOK_EVENT_TYPES,
  type WebhookEvent
} from "@poststack/domain"
import { Either, Schema } from "effect"
import fc from "fast-check"
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

describe("the summary-only events' own encoder", () => {
  // encodeWebhookEvent checks `email.queued` and `email.cancelled` by hand, without the schema's
  // parser: what it writes, and what it refuses, must be what the schema would.
  const bySchema = (event: unknown) => {
    const schema: Schema.Schema.AnyNoContext =
      (event as { type: string }).type === "email.queued" ? EmailQueued : EmailCancelled
    return Schema.encodeUnknownEither(schema, { onExcessProperty: "error" })(event)
  }
  const summary = fc.record({
    email_id: fc.string(),
    from: fc.string(),
    to: fc.array(fc.string(), { maxLength: 3 }),
    subject: fc.string(),
    tags: fc.array(fc.string(), { maxLength: 3 }),
    test_mode: fc.boolean(),
    created_at: fc
      .date({
        min: new Date("0001-01-01T00:00:00Z"),
        max: new Date("9999-12-31T23:59:59Z"),
        noInvalidDate: true
      })
      .map((d) => d.toISOString())
  })
  const type = fc.constantFrom("email.queued", "email.cancelled")

  it("writes what the schema writes, key for key and in the same order", () => {
    fc.assert(
      fc.property(type, summary, (t, data) => {
        const event = { type: t, data } as WebhookEvent
        const expected = bySchema(event)
        expect(Either.isRight(expected)).toBe(true)
        if (Either.isRight(expected))
          expect(JSON.stringify(encodeWebhookEvent(event))).toBe(JSON.stringify(expected.right))
      })
    )
  })

  it("refuses what the schema refuses: an extra or a missing key, a wrong type, a malformed time", () => {
    const broken = fc.oneof(
      summary.map((d) => ({ ...d, extra: 1 })),
      summary.map(({ subject: _, ...d }) => d),
      summary.map((d) => ({ ...d, to: [1] })),
      summary.map((d) => ({ ...d, test_mode: "yes" })),
      summary.map((d) => ({ ...d, created_at: "yesterday" })),
      summary.map(({ tags: _, ...d }) => ({ ...d, tag: [] }))
    )
    fc.assert(
      fc.property(type, broken, (t, data) => {
        const event = { type: t, data } as unknown as WebhookEvent
        expect(Either.isLeft(bySchema(event))).toBe(true)
        expect(() => encodeWebhookEvent(event)).toThrow()
      })
    )
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
