import { describe, expect, it } from "vitest"
import { addressAllowed, classifyIp, parseWebhookUrl } from "../src/webhooks/Address.js"
import { webhookIdFrom } from "../src/webhooks/Webhook.js"
import {
  DEFAULT_WEBHOOK_RETRY,
  disableReason,
  GONE_REASON,
  nextRetryDelayMs,
  parseRetryAfterMs,
  retryDelayMs,
  settleWebhookAttempt,
  shouldDisable,
  type WebhookAttemptOutcome
} from "../src/webhooks/Retry.js"
import {
  postStackSignatureHeader,
  standardKeyBase64,
  standardSignatureHeader,
  standardSignedContent
} from "../src/webhooks/Signature.js"
import { maskSecret, subscribes, webhookEnvelope } from "../src/webhooks/Webhook.js"

describe("webhook address classification", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["93.184.216.34", "public"],
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "public"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "metadata"],
    ["169.254.1.1", "link_local"],
    ["100.64.0.1", "cgnat"],
    ["100.127.255.255", "cgnat"],
    ["100.128.0.1", "public"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["::ffff:127.0.0.1", "ipv4_mapped"],
    ["::ffff:7f00:1", "ipv4_mapped"],
    ["::ffff:8.8.8.8", "ipv4_mapped"],
    ["fd00:ec2::254", "metadata"],
    ["fd12:3456::1", "private"],
    ["fe80::1", "link_local"],
    ["ff02::1", "multicast"],
    ["64:ff9b::7f00:1", "loopback"],
    ["::127.0.0.1", "loopback"],
    ["2606:4700::1111", "public"],
    ["2001:db8::1", "reserved"],
    ["2002:7f00:1::", "loopback"],
    ["2002:a9fe:a9fe::1", "metadata"],
    ["2002:c0a8:101::", "private"],
    ["2002:808:808::1", "public"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved"]
  ])("%s is %s", (ip, expected) => {
    expect(classifyIp(ip), ip).toBe(expected)
  })

  it("does not take names or malformed text for addresses", () => {
    for (const text of ["example.com", "1.2.3", "1.2.3.256", "1:2:3", "::g", "1::2::3"]) {
      expect(classifyIp(text)).toBeUndefined()
    }
  })

  it("allows public addresses, and loopback only when switched on", () => {
    expect(addressAllowed("public", false)).toBe(true)
    expect(addressAllowed("loopback", false)).toBe(false)
    expect(addressAllowed("loopback", true)).toBe(true)
    expect(addressAllowed("private", true)).toBe(false)
    expect(addressAllowed("metadata", true)).toBe(false)
  })

  it("judges every spelling of a literal address in the form the HTTP client connects to", () => {
    for (const url of [
      "http://127.0.0.1/",
      "http://0x7f000001/",
      "http://2130706433/",
      "http://0177.0.0.1/",
      "http://127.1/",
      "http://[::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[0:0:0:0:0:ffff:7f00:1]/"
    ]) {
      const target = parseWebhookUrl(url)
      expect("_tag" in target && target._tag === "Address" && target.class !== "public", url).toBe(true)
    }
    expect(parseWebhookUrl("http://localhost:8080/x")).toEqual({ _tag: "LoopbackName", host: "localhost" })
    expect(parseWebhookUrl("http://api.LOCALHOST/")).toEqual({ _tag: "LoopbackName", host: "api.localhost" })
    expect(parseWebhookUrl("http://LOCALHOST./")).toEqual({ _tag: "LoopbackName", host: "localhost" })
    for (const alias of ["localhost.localdomain", "localhost6.localdomain6", "ip6-localhost", "ip6-loopback"])
      expect(parseWebhookUrl(`http://${alias}./`)).toEqual({ _tag: "LoopbackName", host: alias })
    expect(parseWebhookUrl("https://hooks.example.com./in")).toEqual({
      _tag: "Hostname",
      host: "hooks.example.com"
    })
  })

  it("refuses other schemes, credentials and junk", () => {
    for (const url of [
      "ftp://example.com/",
      "file:///etc/passwd",
      "gopher://x/",
      "https://u:p@example.com/",
      "nope"
    ]) {
      expect(parseWebhookUrl(url)).toHaveProperty("error")
    }
  })
})

describe("webhook retries", () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 8000, windowMs: 60_000 }
  const now = new Date("2026-11-27T12:00:00Z")
  const failed: WebhookAttemptOutcome = { _tag: "Responded", status: 500, body: "", durationMs: 5 }

  it("doubles the delay after each failure, up to the cap", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, policy))).toEqual([
      1000, 2000, 4000, 8000, 8000, 8000
    ])
    expect(retryDelayMs(1000, DEFAULT_WEBHOOK_RETRY)).toBe(DEFAULT_WEBHOOK_RETRY.maxDelayMs)
  })

  it("delivers on any 2xx and fails redirects, errors and network failures", () => {
    const until = new Date(now.getTime() + 60_000)
    const ok = (status: number) =>
      settleWebhookAttempt({ _tag: "Responded", status, body: "", durationMs: 1 }, 1, until, now, policy)
    expect(ok(200)).toEqual({ status: "delivered" })
    expect(ok(204)).toEqual({ status: "delivered" })
    expect(ok(302)).toEqual({ status: "pending", nextAttemptAt: new Date(now.getTime() + 1000) })
    expect(ok(404).status).toBe("pending")
    expect(
      settleWebhookAttempt({ _tag: "Failed", reason: "ECONNREFUSED", durationMs: 1 }, 3, until, now, policy)
    ).toEqual({ status: "pending", nextAttemptAt: new Date(now.getTime() + 4000) })
  })

  it("gives up once the next attempt would fall after the retry window", () => {
    const until = new Date(now.getTime() + 3000)
    expect(settleWebhookAttempt(failed, 2, until, now, policy).status).toBe("pending")
    expect(settleWebhookAttempt(failed, 3, until, now, policy)).toEqual({ status: "failed" })
  })

  it("disables at the threshold", () => {
    expect(shouldDisable(19, 20)).toBe(false)
    expect(shouldDisable(20, 20)).toBe(true)
    expect(disableReason(failed, 19, 20)).toBeUndefined()
    expect(disableReason(failed, 20, 20)).toBe("20 consecutive failed deliveries")
  })

  it("gives up on a 410 at once and disables the endpoint, except for a test send", () => {
    const gone: WebhookAttemptOutcome = { _tag: "Responded", status: 410, body: "", durationMs: 5 }
    const until = new Date(now.getTime() + 60_000)
    expect(settleWebhookAttempt(gone, 1, until, now, policy)).toEqual({ status: "failed" })
    expect(disableReason(gone, 1, 20)).toBe(GONE_REASON)
    expect(GONE_REASON).toBe("endpoint answered 410 Gone")
    expect(disableReason(gone, 1, Number.POSITIVE_INFINITY)).toBeUndefined()
    expect(disableReason({ ...gone, status: 404 }, 1, 20)).toBeUndefined()
    expect(disableReason({ ...gone, status: 200 }, 30, 20)).toBeUndefined()
  })

  it("reads Retry-After as seconds or an HTTP-date, and nothing else", () => {
    expect(parseRetryAfterMs("120", now)).toBe(120_000)
    expect(parseRetryAfterMs(" 0 ", now)).toBe(0)
    expect(parseRetryAfterMs("Fri, 27 Nov 2026 12:00:05 GMT", now)).toBe(5000)
    expect(parseRetryAfterMs("Friday, 27-Nov-26 12:00:05 GMT", now)).toBe(5000)
    expect(parseRetryAfterMs("Fri, 27 Nov 2026 11:00:00 GMT", now)).toBe(0)
    for (const junk of ["", "-5", "1.5", "soon", "2026-11-27T12:00:05Z", "Fri, never GMT"])
      expect(parseRetryAfterMs(junk, now), junk).toBeUndefined()
  })

  it("honours Retry-After on 429 and 503, never below the backoff nor above the longest delay", () => {
    const busy = (status: number, retryAfter?: string): WebhookAttemptOutcome => ({
      _tag: "Responded",
      status,
      body: "",
      durationMs: 1,
      ...(retryAfter === undefined ? {} : { retryAfter })
    })
    expect(nextRetryDelayMs(busy(429, "5"), 1, now, policy)).toBe(5000)
    expect(nextRetryDelayMs(busy(503, "Fri, 27 Nov 2026 12:00:03 GMT"), 1, now, policy)).toBe(3000)
    // Below the backoff: the backoff (4 s after the third failure).
    expect(nextRetryDelayMs(busy(429, "1"), 3, now, policy)).toBe(4000)
    // Above the longest delay: the longest delay.
    expect(nextRetryDelayMs(busy(429, "3600"), 1, now, policy)).toBe(8000)
    // Unreadable, absent, or on another status: the backoff.
    expect(nextRetryDelayMs(busy(429, "later"), 1, now, policy)).toBe(1000)
    expect(nextRetryDelayMs(busy(429), 2, now, policy)).toBe(2000)
    expect(nextRetryDelayMs(busy(500, "5"), 1, now, policy)).toBe(1000)
    const until = new Date(now.getTime() + 60_000)
    expect(settleWebhookAttempt(busy(429, "5"), 1, until, now, policy)).toEqual({
      status: "pending",
      nextAttemptAt: new Date(now.getTime() + 5000)
    })
  })
})

describe("webhook signatures and envelope", () => {
  it("lists one signature per secret, newest first, in both schemes", () => {
    expect(postStackSignatureHeader(["ab", "cd"])).toBe("sha256=ab,sha256=cd")
    expect(standardSignatureHeader(["QQ==", "Qg=="])).toBe("v1,QQ== v1,Qg==")
    expect(standardKeyBase64("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBe(
      "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    )
    expect(standardSignedContent("evt_1", new Date(1_700_000_000_500), "{}")).toBe("evt_1.1700000000.{}")
  })

  it("wraps events as {id, type, timestamp, data} and matches subscriptions", () => {
    expect(
      JSON.parse(
        webhookEnvelope({
          id: "evt_1",
          type: "email.sent",
          timestamp: new Date(0),
          data: { email_id: "em_1" }
        })
      )
    ).toEqual({
      id: "evt_1",
      type: "email.sent",
      timestamp: "1970-01-01T00:00:00.000Z",
      data: { email_id: "em_1" }
    })
    expect(subscribes(["*"], "email.sent")).toBe(true)
    expect(subscribes(["email.delivered"], "email.sent")).toBe(false)
    expect(subscribes(["email.sent"], "email.sent")).toBe(true)
    expect(maskSecret("whsec_abcdefghijklmnop")).toBe("whsec_abcd…")
  })
})

describe("an endpoint id written in a workflow", () => {
  it("is plain decimal digits within the id column's range, else no endpoint", () => {
    expect(webhookIdFrom("1")).toBe(1)
    expect(webhookIdFrom("2147483647")).toBe(2_147_483_647)
    // One past the column's range used to reach the database and fail there (503).
    for (const text of ["2147483648", "9999999999", "0", "01", "-1", "0x1", " 1", "1e3", "", "abc"])
      expect({ text, id: webhookIdFrom(text) }).toEqual({ text, id: null })
  })
})
