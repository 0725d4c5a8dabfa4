import { describe, expect, it } from "vitest"
import { formatMailbox, parseMailbox } from "../src/emails/Address.js"
import {
  aggregateStatus,
  classifyReply,
  DEFAULT_RETRY_POLICY,
  nextAttemptAt
} from "../src/emails/Delivery.js"
import { checkCustomHeaders } from "../src/emails/Headers.js"
import { classifySignal, placementOf, providerOf } from "../src/emails/Placement.js"
import { type SendRequest, validateSend } from "../src/emails/SendRequest.js"

const now = new Date("2026-11-27T12:00:00Z")
const request: SendRequest = {
  from: "Acme <news@acme.test>",
  to: ["a@example.com"],
  cc: [],
  bcc: [],
  replyTo: [],
  subject: "Hello",
  html: "<p>Hi</p>",
  text: null,
  headers: {},
  tags: [],
  attachments: [],
  scheduledAt: null,
  unsubscribe: false,
  tracking: { opens: null, clicks: null }
}

describe("addresses", () => {
  it("parses bare, angle and named forms, lower-casing the domain only", () => {
    expect(parseMailbox("Ann.Lee@Example.COM")).toEqual({ address: "Ann.Lee@example.com", name: null })
    expect(parseMailbox("<a@b.test>")).toEqual({ address: "a@b.test", name: null })
    expect(parseMailbox("Acme News <news@acme.test>")).toEqual({
      address: "news@acme.test",
      name: "Acme News"
    })
    expect(parseMailbox('"Acme, Inc." <news@acme.test>')).toEqual({
      address: "news@acme.test",
      name: "Acme, Inc."
    })
  })
  it("refuses what cannot be delivered or would inject headers", () => {
    for (const bad of [
      "",
      "no-at",
      "a@",
      "@b.test",
      "a b@c.test",
      "a@b",
      "a@b.test\r\nBcc: x@y.test",
      "x <a@b.test",
      "a..b@c.test"
    ]) {
      expect(parseMailbox(bad), bad).toBeUndefined()
    }
  })
})

describe("mailboxes as header text", () => {
  it("quotes a name that a parser would read as a list or a group, and only then", () => {
    expect(formatMailbox({ address: "a@b.test", name: null })).toBe("a@b.test")
    expect(formatMailbox({ address: "a@b.test", name: "Acme News" })).toBe("Acme News <a@b.test>")
    expect(formatMailbox({ address: "a@b.test", name: "Team: x@evil.test, y@evil.test;" })).toBe(
      '"Team: x@evil.test, y@evil.test;" <a@b.test>'
    )
    expect(formatMailbox({ address: "a@b.test", name: "back\\slash" })).toBe('"back\\\\slash" <a@b.test>')
    // What we write is what we read back.
    const name = "Evil; (x) smuggled@evil.test"
    expect(parseMailbox(formatMailbox({ address: "a@b.test", name }))).toEqual({ address: "a@b.test", name })
  })
})

describe("custom headers", () => {
  it("accepts ordinary headers and refuses ours, bad names and line breaks", () => {
    expect(checkCustomHeaders({ "X-Campaign": "spring", "X-Entity-Ref-ID": "42" })).toBeUndefined()
    expect(checkCustomHeaders({ From: "x@y.test" })?.reason).toMatch(/cannot be overridden/)
    expect(checkCustomHeaders({ "DKIM-Signature": "v=1" })?.reason).toMatch(/cannot be overridden/)
    expect(checkCustomHeaders({ "X-PostStack-Tags": "a" })?.reason).toMatch(/cannot be overridden/)
    expect(checkCustomHeaders({ "Bad Name": "v" })?.reason).toMatch(/valid header name/)
    expect(checkCustomHeaders({ "X-Ok": "a\r\nBcc: victim@x.test" })?.reason).toMatch(/line breaks/)
  })
})

describe("send validation", () => {
  it("accepts a minimal send", () => {
    const valid = validateSend(request, now)
    expect(typeof valid).not.toBe("string")
  })
  it("refuses text that cannot be stored (a lone surrogate, NUL) in any field, naming it", () => {
    const half = "\ud800"
    const cases: Array<[Partial<SendRequest>, string]> = [
      [{ from: `A${half} <news@acme.test>` }, "from"],
      [{ subject: `s${half}` }, "subject"],
      [{ html: `<p>${half}</p>` }, "html"],
      [{ text: `t${half}` }, "text"],
      [{ headers: { "X-Note": half } }, "headers"],
      [{ tags: [`t${half}`] }, "tags"],
      [
        {
          attachments: [
            { filename: `f${half}.txt`, content: new Uint8Array(1), contentType: null, contentId: null }
          ]
        },
        "attachments"
      ]
    ]
    for (const [fields, name] of cases) {
      expect(validateSend({ ...request, ...fields }, now), name).toMatch(
        new RegExp(`^${name} must not contain a lone UTF-16 surrogate`)
      )
    }
    // A whole pair is one character.
    expect(validateSend({ ...request, subject: "hi \ud83d\ude00" }, now)).not.toBeTypeOf("string")
  })
  it("names the first problem", () => {
    expect(validateSend({ ...request, to: [] }, now)).toBe("to must name at least one recipient")
    expect(validateSend({ ...request, html: null, text: "" }, now)).toBe("html or text is required")
    expect(validateSend({ ...request, subject: "a\nb" }, now)).toBe("subject must not contain line breaks")
    expect(
      validateSend({ ...request, to: Array.from({ length: 51 }, (_, i) => `r${i}@x.test`) }, now)
    ).toMatch(/at most 50/)
    expect(validateSend({ ...request, from: "not an address" }, now)).toMatch(/^from must be/)
    expect(validateSend({ ...request, subject: "a\u0000b" }, now)).toMatch(/control characters/)
    expect(validateSend({ ...request, subject: "a\tb" }, now)).not.toBeTypeOf("string")
    expect(validateSend({ ...request, text: "a\u0000b" }, now)).toMatch(/NUL/)
    const cid = (contentId: string) => ({
      filename: "logo.png",
      content: new Uint8Array(1),
      contentType: null,
      contentId
    })
    expect(validateSend({ ...request, attachments: [cid("logo@acme")] }, now)).not.toBeTypeOf("string")
    for (const bad of ["a\r\nBcc: x@y.test", "a\u0000", "<a>", "a b", "a\u2028b", ""])
      expect(validateSend({ ...request, attachments: [cid(bad)] }, now), bad).toMatch(/content_id/)
    expect(validateSend({ ...request, scheduledAt: new Date("2027-02-01T00:00:00Z") }, now)).toMatch(
      /within 30 days/
    )
    const big = {
      filename: "big.bin",
      content: new Uint8Array(10 * 1024 * 1024 + 1),
      contentType: null,
      contentId: null
    }
    expect(validateSend({ ...request, attachments: [big] }, now)).toMatch(/larger than 10 MB/)
  })
})

describe("delivery outcomes", () => {
  it("classifies SMTP replies", () => {
    expect(classifyReply(250, "2.0.0 OK", "mx.test")._tag).toBe("Delivered")
    expect(classifyReply(451, "4.7.1 try later", "mx.test")._tag).toBe("Deferred")
    expect(classifyReply(550, "5.1.1 no such user", "mx.test")).toMatchObject({ _tag: "Bounced", hard: true })
  })
  it("summarises an email from its recipients' deliveries", () => {
    expect(aggregateStatus(["delivered", "sending"])).toBe("sending")
    expect(aggregateStatus(["delivered", "deferred"])).toBe("deferred")
    expect(aggregateStatus(["delivered", "bounced"])).toBe("delivered")
    expect(aggregateStatus(["bounced", "suppressed"])).toBe("bounced")
    expect(aggregateStatus(["suppressed"])).toBe("suppressed")
  })
  it("backs off, then gives up after the maximum age", () => {
    const first = new Date("2026-11-27T00:00:00Z")
    expect(nextAttemptAt(DEFAULT_RETRY_POLICY, 1, first, first)?.toISOString()).toBe(
      "2026-11-27T00:01:00.000Z"
    )
    expect(nextAttemptAt(DEFAULT_RETRY_POLICY, 3, first, first)?.toISOString()).toBe(
      "2026-11-27T00:15:00.000Z"
    )
    expect(
      nextAttemptAt(DEFAULT_RETRY_POLICY, 20, first, new Date("2026-11-29T12:00:00Z"))?.toISOString()
    ).toBe("2026-11-29T20:00:00.000Z")
    // The last try happens at the three-day mark, not after it.
    expect(
      nextAttemptAt(DEFAULT_RETRY_POLICY, 20, first, new Date("2026-11-29T20:00:00Z"))?.toISOString()
    ).toBe("2026-11-30T00:00:00.000Z")
    expect(nextAttemptAt(DEFAULT_RETRY_POLICY, 20, first, new Date("2026-11-30T00:00:00Z"))).toBeNull()
  })
})

describe("placement", () => {
  it("sorts refusals into buckets and knows the big providers", () => {
    expect(classifySignal("550 5.1.1 <a@b.test>: Recipient address rejected: User unknown")).toBe("recipient")
    expect(classifySignal("421 4.7.0 Try again later, too many connections")).toBe("throttled")
    expect(classifySignal("550 5.7.26 Unauthenticated email is not accepted (DMARC)")).toBe("authentication")
    expect(classifySignal("554 5.7.1 Service unavailable; Client host blocked using Spamhaus")).toBe(
      "reputation_block"
    )
    expect(classifySignal("451 4.4.1 no mail server could be reached")).toBe("infrastructure")
    expect(providerOf("googlemail.com")).toBe("gmail")
    expect(providerOf("hotmail.co.uk")).toBe("outlook")
    expect(providerOf("example.org")).toBe("other")
  })
  it("sums outcomes per provider and splits signals by whose problem they are", () => {
    const at = new Date("2026-11-27T10:00:00Z")
    const report = placementOf(30, [
      { recipientDomain: "gmail.com", status: "delivered", complained: true, lastReply: "250 ok", at },
      {
        recipientDomain: "gmail.com",
        status: "bounced",
        complained: false,
        lastReply: "550 5.7.26 DMARC fail",
        at
      },
      {
        recipientDomain: "example.org",
        status: "bounced",
        complained: false,
        lastReply: "550 5.1.1 no such user",
        at
      }
    ])
    expect(report.totals).toMatchObject({
      sent: 3,
      accepted: 1,
      bounced: 2,
      complained: 1,
      acceptanceRate: 0.3333,
      complaintRate: 1
    })
    expect(report.senderSignals.map((s) => [s.bucket, s.provider])).toEqual([["authentication", "gmail"]])
    expect(report.recipientSignals.map((s) => [s.bucket, s.provider, s.code])).toEqual([
      ["recipient", "other", "5.1.1"]
    ])
    expect(report.providers.find((p) => p.provider === "gmail")).toMatchObject({
      sent: 2,
      accepted: 1,
      acceptanceRate: 0.5
    })
  })
})
