import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { EmailStatus } from "../src/emails/Delivery.js"
import { EmailEventType } from "../src/emails/Email.js"
import { insightsFor } from "../src/emails/Insights.js"
import {
  PublicEmailEventType,
  PublicEmailStatus,
  publicEmailStatus,
  publicEvent,
  storedStatusesFor
} from "../src/emails/PublicVocabulary.js"
import { isPublicAddress } from "../src/tracking/Geo.js"

describe("the SDK's vocabulary for stored statuses and events", () => {
  it("maps every stored status into the public enum, and the filter back onto exactly its sources", () => {
    for (const stored of EmailStatus.literals) {
      const shown = publicEmailStatus(stored)
      expect(Schema.is(PublicEmailStatus)(shown)).toBe(true)
      expect(storedStatusesFor(shown)).toContain(stored)
    }
    expect(publicEmailStatus("scheduled")).toBe("queued")
    expect(publicEmailStatus("suppressed")).toBe("failed")
    expect(publicEmailStatus("cancelled")).toBe("cancelled")
    expect(storedStatusesFor("queued")).toEqual(["queued", "scheduled"])
  })

  it("maps every stored event type into the SDK's enum, keeping what it meant in metadata", () => {
    for (const type of EmailEventType)
      expect(Schema.is(PublicEmailEventType)(publicEvent(type, null).eventType)).toBe(true)
    expect(publicEvent("suppressed", { reason: "hard_bounce" })).toEqual({
      eventType: "failed",
      metadata: { reason: "hard_bounce", suppressed: true }
    })
    expect(publicEvent("scheduled", null)).toEqual({ eventType: "queued", metadata: { scheduled: true } })
    expect(publicEvent("opened", { ip: "1.2.3.0" })).toEqual({
      eventType: "opened",
      metadata: { ip: "1.2.3.0" }
    })
  })
})

describe("isPublicAddress", () => {
  it.each([
    ["81.2.69.142", true],
    ["2a00:1450:4001:80b::200e", true],
    ["::ffff:81.2.69.142", true],
    ["127.0.0.1", false],
    ["10.1.2.3", false],
    ["172.20.0.1", false],
    ["192.168.1.20", false],
    ["100.64.0.1", false],
    ["169.254.1.1", false],
    ["0.0.0.0", false],
    ["224.0.0.1", false],
    ["::1", false],
    ["::", false],
    ["fd00::1", false],
    ["fe80::1", false],
    ["::ffff:192.168.0.1", false],
    ["not an address", false]
  ])("%s -> %s", (ip, expected) => expect(isPublicAddress(ip)).toBe(expected))
})

describe("insightsFor", () => {
  const base = {
    subject: "Your receipt",
    html: '<p>Thanks for your order. <a href="https://shop.example/1">See it</a></p>',
    text: "Thanks for your order: https://shop.example/1",
    headers: {},
    unsubscribe: true
  }

  it("has nothing to say about a tidy message with both parts", () => {
    expect(insightsFor(base)).toEqual([])
    expect(insightsFor({ ...base, html: null }).map((w) => w.code)).toEqual(["missing_html_body"])
  })

  it("names each problem once, in a fixed order", () => {
    const codes = insightsFor({
      ...base,
      subject: "BUY NOW",
      text: null,
      html: '<a href="http://bit.ly/x"><img src="https://x.example/a.png"></a>',
      unsubscribe: false
    }).map((w) => w.code)
    expect(codes).toEqual([
      "missing_text_body",
      "subject_all_caps",
      "images_missing_alt",
      "image_heavy",
      "link_shortener",
      "insecure_link",
      "missing_unsubscribe"
    ])
  })

  it("counts a List-Unsubscribe header as unsubscribe, and warns about clipping past 102 KB", () => {
    const big = `<p>${"a".repeat(110 * 1024)}</p>`
    const codes = insightsFor({
      ...base,
      html: big,
      unsubscribe: false,
      headers: { "List-Unsubscribe": "<x>" }
    }).map((w) => w.code)
    expect(codes).toEqual(["html_clipped"])
  })
})
