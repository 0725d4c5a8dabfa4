import { NodeCryptoTrackingLinks } from "@poststack/adapters-external"
import { clickUrl, signingInput } from "@poststack/domain"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectStoredEventsDecode } from "../support/storedEvents.js"
import { query } from "../support/database.js"
import { TEST_ENCRYPTION_KEY } from "../support/server.js"
import {
  type EventWire,
  eventsUntil,
  type Harness,
  htmlOf,
  NEWSLETTER,
  startHarness,
  UA,
  urlsIn
} from "./harness.js"

describe("open and click tracking of delivered mail", () => {
  let h: Harness
  let id: string
  /** Each recipient's delivered HTML. */
  const html = new Map<string, string>()

  beforeAll(async () => {
    h = await startHarness("track.test")
    // No tracking host of its own: links point at the deployment's public URL (the test server).
    const patched = await h.call("PATCH", `/domains/${h.domainId}`, {
      open_tracking: true,
      click_tracking: true,
      tracking_domain: null
    })
    expect(patched.status).toBe(200)
    id = await h.send(["alice@receiver.test", "bob@receiver.test"])
    for (const r of ["alice@receiver.test", "bob@receiver.test"])
      html.set(r, await htmlOf(await h.received(r, "Spring sale")))
  })
  afterAll(async () => {
    await h.close()
  })

  const linksOf = (recipient: string) => urlsIn(html.get(recipient) ?? "", "href")
  const pixelOf = (recipient: string) =>
    urlsIn(html.get(recipient) ?? "", "src").find((u) => u.includes("/t/o/")) ?? ""

  it("adds a pixel and rewrites only http(s) links, each recipient with links of their own", () => {
    const alice = linksOf("alice@receiver.test")
    const bob = linksOf("bob@receiver.test")
    const tracked = alice.filter((u) => u.startsWith(`${h.server.baseUrl}/t/c/`))
    expect(tracked).toHaveLength(2)
    expect(new URL(tracked[0] ?? "").searchParams.get("url")).toBe(
      "https://shop.example/sale?utm_source=mail&utm_medium=email"
    )
    expect(new URL(tracked[1] ?? "").searchParams.get("url")).toBe("http://shop.example/plain")
    // Unsafe or local links are left exactly as written.
    for (const untouched of [
      "javascript:alert(1)",
      "mailto:help@shop.example",
      "tel:+15555550100",
      "/relative/path",
      "#top",
      "data:text/html,hi"
    ]) {
      expect(alice).toContain(untouched)
    }
    expect(html.get("alice@receiver.test")).toContain(
      '<!-- <a href="https://commented.example/">not a link</a> -->'
    )
    expect(pixelOf("alice@receiver.test")).toMatch(
      new RegExp(`^${h.server.baseUrl}/t/o/${id}/\\d+/[\\w-]{22}\\.gif$`)
    )
    // The pixel sits inside the body, just before it closes.
    expect(html.get("alice@receiver.test")).toMatch(/<img src="[^"]+\/t\/o\/[^"]+"[^>]*\/><\/body>/)
    expect(bob.filter((u) => u.includes("/t/c/"))).toHaveLength(2)
    expect(bob.filter((u) => alice.includes(u) && u.includes("/t/c/"))).toEqual([])
  })

  it("answers the pixel with a no-cache GIF and records opens with the parsed client and a truncated IP", async () => {
    const res = await fetch(pixelOf("alice@receiver.test"), { headers: { "User-Agent": UA.iphoneMail } })
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("image/gif")
    expect(res.headers.get("cache-control")).toContain("no-store")
    const gif = Buffer.from(await res.arrayBuffer())
    expect(gif.subarray(0, 6).toString()).toBe("GIF89a")
    expect(gif.readUInt16LE(6)).toBe(1)
    expect(gif.readUInt16LE(8)).toBe(1)
    // Gmail's image proxy fetches for bob: recorded, but flagged as a machine fetch.
    expect(
      (await fetch(pixelOf("bob@receiver.test"), { headers: { "User-Agent": UA.googleProxy } })).status
    ).toBe(200)

    const events = await eventsUntil(h, id, (all) => all.filter((e) => e.eventType === "opened").length === 2)
    const opens = events.filter((e) => e.eventType === "opened")
    const alice = opens.find((e) => e.metadata.recipient === "alice@receiver.test")
    expect(alice).toMatchObject({
      uaClientName: "Apple Mail",
      uaClientType: "email_client",
      uaOs: "iOS",
      uaDeviceType: "mobile",
      isPrefetch: false,
      metadata: { ip: "127.0.0.0", user_agent: UA.iphoneMail }
    })
    expect(opens.find((e) => e.metadata.recipient === "bob@receiver.test")).toMatchObject({
      uaClientType: "proxy",
      isPrefetch: true
    })
    const outbox = await query<{ payload: Record<string, unknown> }>(
      h.db.url,
      "SELECT payload FROM events WHERE type = 'email.opened' AND payload->>'email_id' = $1 ORDER BY id",
      [id]
    )
    expect(outbox.map((o) => o.payload.recipient).sort()).toEqual([
      "alice@receiver.test",
      "bob@receiver.test"
    ])
    expect(outbox.find((o) => o.payload.recipient === "alice@receiver.test")?.payload).toMatchObject({
      is_prefetch: false,
      client: { name: "Apple Mail", type: "email_client", os: "iOS" },
      ip: "127.0.0.0"
    })
    // Nothing but the network is kept: no full address anywhere in the stored events.
    const stored = await query<{ n: number }>(
      h.db.url,
      "SELECT count(*)::int AS n FROM email_events WHERE metadata::text LIKE '%127.0.0.1%' OR client_network = '127.0.0.1'"
    )
    expect(stored[0]?.n).toBe(0)
  })

  it("takes the reader's address from the trusted proxy, and flags Apple's Mail Privacy Protection fetches", async () => {
    const fetchPixel = (forwardedFor: string) =>
      fetch(pixelOf("alice@receiver.test"), {
        headers: { "User-Agent": UA.iphoneMail, "X-Forwarded-For": forwardedFor }
      })
    // Apple's proxy (17.0.0.0/8) fetches with the Mail agent; a client cannot fake its way past the proxy's own entry.
    expect((await fetchPixel("17.58.9.77")).status).toBe(200)
    const apple = await eventsUntil(h, id, (all) => all.filter((e) => e.eventType === "opened").length === 3)
    expect(apple.filter((e) => e.eventType === "opened").at(-1)).toMatchObject({
      isPrefetch: true,
      metadata: { ip: "17.58.9.0", recipient: "alice@receiver.test" }
    })
    expect((await fetchPixel("17.1.1.1, 198.51.100.7")).status).toBe(200)
    const spoofed = await eventsUntil(
      h,
      id,
      (all) => all.filter((e) => e.eventType === "opened").length === 4
    )
    expect(spoofed.filter((e) => e.eventType === "opened").at(-1)).toMatchObject({
      isPrefetch: false,
      metadata: { ip: "198.51.100.0" }
    })
  })

  it("redirects a click with 302 to the original target and records it for that recipient", async () => {
    const link = linksOf("bob@receiver.test").find((u) => u.includes("/t/c/")) ?? ""
    const res = await fetch(link, { redirect: "manual", headers: { "User-Agent": UA.chrome } })
    expect(res.status).toBe(302)
    expect(res.headers.get("location")).toBe("https://shop.example/sale?utm_source=mail&utm_medium=email")
    const events = await eventsUntil(h, id, (all) => all.some((e) => e.eventType === "clicked"))
    expect(events.find((e) => e.eventType === "clicked")).toMatchObject({
      uaClientName: "Chrome",
      uaClientType: "browser",
      uaOs: "Windows",
      uaDeviceType: "desktop",
      isPrefetch: false,
      metadata: {
        recipient: "bob@receiver.test",
        url: "https://shop.example/sale?utm_source=mail&utm_medium=email",
        ip: "127.0.0.0"
      }
    })
    const outbox = await query<{ type: string }>(
      h.db.url,
      "SELECT type FROM events WHERE type = 'email.clicked' AND payload->>'email_id' = $1",
      [id]
    )
    expect(outbox).toHaveLength(1)
  })

  it("answers any tampered link with 404 and never redirects", async () => {
    const link = new URL(linksOf("alice@receiver.test").find((u) => u.includes("/t/c/")) ?? "")
    const [, , , emailId = "", deliveryId = "", signature = ""] = link.pathname.split("/")
    const target = link.searchParams.get("url") ?? ""
    const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1)
    const otherEmail = `em_${"0".repeat(32)}`
    const variants = [
      `/t/c/${emailId}/${deliveryId}/${signature}?url=${encodeURIComponent("https://evil.example/")}`,
      `/t/c/${emailId}/${deliveryId}/${signature}?url=${encodeURIComponent(`${target}x`)}`,
      `/t/c/${emailId}/${deliveryId}/${flip(signature)}?url=${encodeURIComponent(target)}`,
      `/t/c/${otherEmail}/${deliveryId}/${signature}?url=${encodeURIComponent(target)}`,
      `/t/c/${emailId}/${Number(deliveryId) + 1}/${signature}?url=${encodeURIComponent(target)}`,
      `/t/c/${emailId}/${deliveryId}/${signature}`,
      `/t/c/${emailId}/${deliveryId}/${signature}?url=${encodeURIComponent("javascript:alert(1)")}`,
      `/t/c/${emailId}/${deliveryId}/not-a-signature?url=${encodeURIComponent(target)}`,
      // The pixel's signature does not open a redirect either.
      `/t/c/${emailId}/${deliveryId}/${pixelOf("alice@receiver.test").split("/").pop()?.replace(".gif", "")}?url=${encodeURIComponent(target)}`,
      `/t/o/${emailId}/${deliveryId}/${signature}.gif`
    ]
    for (const path of variants) {
      const res = await fetch(`${h.server.baseUrl}${path}`, { redirect: "manual" })
      expect(res.status, path).toBe(404)
      expect(res.headers.get("location"), path).toBeNull()
      expect(await res.json()).toEqual({ error: "Invalid or tampered link", code: "not_found" })
    }
    const clicks = await query<{ n: number }>(
      h.db.url,
      "SELECT count(*)::int AS n FROM email_events WHERE event_type = 'clicked'"
    )
    expect(clicks[0]?.n).toBe(1)
  })

  it("redirects to non-ASCII targets percent-encoded, and refuses links signed with any other key", async () => {
    const deliveryId = Number(new URL(pixelOf("alice@receiver.test")).pathname.split("/")[4])
    const ref = { emailId: id, deliveryId }
    const target = "https://shop.example/日本?q=ü"
    const signed = (key: Uint8Array) =>
      clickUrl(
        h.server.baseUrl,
        ref,
        NodeCryptoTrackingLinks.make(NodeCryptoTrackingLinks.deriveKey(key), h.server.baseUrl).sign(
          signingInput("click", ref, target)
        ),
        target
      )
    const ours = await fetch(signed(Buffer.from(TEST_ENCRYPTION_KEY, "base64")), { redirect: "manual" })
    expect(ours.status).toBe(302)
    expect(ours.headers.get("location")).toBe("https://shop.example/%E6%97%A5%E6%9C%AC?q=%C3%BC")
    const forged = await fetch(signed(Buffer.alloc(32, 9)), { redirect: "manual" })
    expect(forged.status).toBe(404)
    expect(forged.headers.get("location")).toBeNull()
  })

  it("counts a HEAD on a link (a link checker) as a machine fetch", async () => {
    const link = linksOf("alice@receiver.test").find((u) => u.includes("/t/c/")) ?? ""
    const res = await fetch(link, {
      method: "HEAD",
      redirect: "manual",
      headers: { "User-Agent": UA.chrome }
    })
    expect(res.status).toBe(302)
    const byChecker = (e: EventWire) =>
      e.eventType === "clicked" &&
      e.metadata.recipient === "alice@receiver.test" &&
      e.uaClientName === "Chrome"
    const events = await eventsUntil(h, id, (all) => all.some(byChecker))
    expect(events.filter(byChecker)).toEqual([expect.objectContaining({ isPrefetch: true })])
  })

  it("leaves the HTML untouched when the send turns tracking off", async () => {
    await h.send(["carol@receiver.test"], { subject: "Untracked", tracking: { opens: false, clicks: false } })
    const body = await htmlOf(await h.received("carol@receiver.test", "Untracked"))
    expect(body).not.toContain("/t/")
    expect(urlsIn(body, "href")).toContain("https://shop.example/sale?utm_source=mail&utm_medium=email")
    expect(body.replace(/\r\n/g, "\n")).toContain(NEWSLETTER.split("\n")[4])
  })

  it("stores every event it produced as the contract's typed events", async () => {
    await expectStoredEventsDecode(h.db.url, ["email.opened", "email.clicked"])
  })
})
