import { Resolver } from "node:dns/promises"
import { authenticate } from "mailauth"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectStoredEventsDecode } from "../support/storedEvents.js"
import { query } from "../support/database.js"
import { type Harness, htmlOf, NEWSLETTER, startHarness, urlsIn } from "./harness.js"
import { simpleParser } from "mailparser"

/** The URL in a message's List-Unsubscribe header (unfolded). */
const unsubscribeHeader = (raw: Buffer) =>
  /^List-Unsubscribe: <([^>]+)>/im.exec(raw.toString().replace(/\r\n[ \t]+/g, " "))?.[1] ?? ""

describe("one-click unsubscribe", () => {
  let h: Harness
  let id: string
  let raw: Buffer
  /** The List-Unsubscribe URL, moved onto the test server (the domain's tracking host resolves nowhere here). */
  let link: string
  let trackingHostLink: string

  const suppressionsOf = (email: string) =>
    query<{ id: number; reason: string; source_email_id: string | null }>(
      h.db.url,
      "SELECT id, reason, source_email_id FROM suppressions WHERE lower(email) = lower($1)",
      [email]
    )
  const unsubscribedEvents = (emailId: string) =>
    query<{ metadata: Record<string, unknown> }>(
      h.db.url,
      "SELECT ev.metadata FROM email_events ev JOIN emails e ON e.id = ev.email_id WHERE e.public_id = $1 AND ev.event_type = 'unsubscribed'",
      [emailId]
    )

  beforeAll(async () => {
    h = await startHarness("unsub.test")
    await h.call("PATCH", `/domains/${h.domainId}`, { click_tracking: true })
    id = await h.send(["dora@receiver.test", "eve@receiver.test"], {
      subject: "Weekly digest",
      unsubscribe: true,
      html: NEWSLETTER.replace("<p>Thanks!</p>", '<p><a href="{{unsubscribe_url}}">Unsubscribe</a></p>'),
      text: "See the sale. Unsubscribe: {{ unsubscribe_url }}"
    })
    raw = (await h.received("dora@receiver.test", "Weekly digest")).raw
    trackingHostLink = unsubscribeHeader(raw)
    link = `${h.server.baseUrl}${new URL(trackingHostLink).pathname}`
  })
  afterAll(async () => {
    await h.close()
  })

  it("adds RFC 8058 headers, covered by a DKIM signature that verifies", async () => {
    const text = raw.toString()
    expect(text.match(/^List-Unsubscribe:/gim)).toHaveLength(1)
    expect(text).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m)
    // The domain's verified tracking host carries the link.
    expect(trackingHostLink).toMatch(new RegExp(`^http://track\\.unsub\\.test/u/${id}/\\d+/[\\w-]{22}$`))
    const resolver = new Resolver()
    resolver.setServers([h.dns.address])
    const auth = await authenticate(raw, {
      ip: "127.0.0.1",
      helo: "mta.poststack.test",
      mta: "mx1.receiver.test",
      sender: "bounces@unsub.test",
      resolver: (name: string, type: string) => resolver.resolve(name, type as "TXT"),
      disableArc: true,
      disableBimi: true
    })
    expect(auth.dkim.results[0]?.status.result).toBe("pass")
    const signed =
      /^DKIM-Signature:[\s\S]*?\bh=([^;]+);/m.exec(text)?.[1]?.replace(/\s+/g, "").toLowerCase() ?? ""
    expect(signed.split(":")).toEqual(expect.arrayContaining(["list-unsubscribe", "list-unsubscribe-post"]))
  })

  it("fills {{unsubscribe_url}} in both bodies with the same link, never routed through a click redirect", async () => {
    const html = await htmlOf(await h.received("dora@receiver.test", "Weekly digest"))
    expect(urlsIn(html, "href")).toContain(trackingHostLink)
    expect(urlsIn(html, "href").filter((u) => u.includes("/t/c/"))).toHaveLength(2)
    expect((await simpleParser(raw)).text?.trim()).toBe(`See the sale. Unsubscribe: ${trackingHostLink}`)
  })

  it("shows a confirmation page on GET and unsubscribes nobody", async () => {
    const res = await fetch(link)
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toContain("text/html")
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'")
    expect(res.headers.get("x-frame-options")).toBe("DENY")
    expect(res.headers.get("x-content-type-options")).toBe("nosniff")
    const page = await res.text()
    expect(page).toContain('<form method="post">')
    expect(page).toContain("<button")
    expect(await suppressionsOf("dora@receiver.test")).toEqual([])
    expect(await unsubscribedEvents(id)).toEqual([])
  })

  it("unsubscribes on the one-click POST: an event, a suppression, and the next send is stopped", async () => {
    const post = () =>
      fetch(link, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click"
      })
    const res = await post()
    expect(res.status).toBe(200)
    expect(await res.text()).toContain("You are unsubscribed")
    // Mailbox providers may repeat it; one suppression and one event remain.
    expect((await post()).status).toBe(200)
    const [entry, ...others] = await suppressionsOf("dora@receiver.test")
    expect(others).toEqual([])
    expect(entry?.reason).toBe("unsubscribe")
    const events = await unsubscribedEvents(id)
    expect(events.map((e) => e.metadata)).toEqual([
      expect.objectContaining({
        recipient: "dora@receiver.test",
        via: "one_click",
        suppression_id: entry?.id
      })
    ])
    const outbox = await query<{ payload: Record<string, unknown> }>(
      h.db.url,
      "SELECT payload FROM events WHERE type = 'email.unsubscribed' AND payload->>'email_id' = $1",
      [id]
    )
    expect(outbox.map((o) => o.payload.recipient)).toEqual(["dora@receiver.test"])
    // The suppression list shows it, and the next send to that address is suppressed by that entry.
    const listed = await h.call("GET", "/suppressions")
    expect(listed.body.data).toEqual([
      expect.objectContaining({ email: "dora@receiver.test", reason: "unsubscribe" })
    ])
    const next = await h.send(["dora@receiver.test"], { subject: "Next week" })
    const stopped = await query<{ metadata: Record<string, unknown> }>(
      h.db.url,
      "SELECT ev.metadata FROM email_events ev JOIN emails e ON e.id = ev.email_id WHERE e.public_id = $1 AND ev.event_type = 'suppressed'",
      [next]
    )
    expect(stopped.map((e) => e.metadata)).toEqual([
      { recipient: "dora@receiver.test", reason: "unsubscribe", suppression_id: entry?.id }
    ])
    // Only this recipient: the other one is still subscribed.
    expect(await suppressionsOf("eve@receiver.test")).toEqual([])
  })

  it("unsubscribes from the page's button too", async () => {
    const eveRaw = (await h.received("eve@receiver.test", "Weekly digest")).raw
    const eveLink = unsubscribeHeader(eveRaw)
    expect(eveLink).not.toBe(trackingHostLink)
    const res = await fetch(`${h.server.baseUrl}${new URL(eveLink).pathname}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "confirm=yes"
    })
    expect(res.status).toBe(200)
    expect((await suppressionsOf("eve@receiver.test"))[0]?.reason).toBe("unsubscribe")
    expect((await unsubscribedEvents(id)).map((e) => e.metadata.via).sort()).toEqual(["one_click", "page"])
  })

  it("stops a scheduled copy whose recipient was suppressed after the send was accepted", async () => {
    const later = await h.send(["gina@receiver.test", "hal@receiver.test"], {
      subject: "Scheduled",
      scheduled_at: new Date(Date.now() + 1500).toISOString()
    })
    expect(
      (await h.call("POST", "/suppressions", { email: "gina@receiver.test", reason: "manual" })).status
    ).toBe(200)
    await h.received("hal@receiver.test", "Scheduled")
    const deadline = Date.now() + 10_000
    let events: Array<{ event_type: string; metadata: Record<string, unknown> }> = []
    while (!events.some((e) => e.event_type === "suppressed")) {
      if (Date.now() > deadline) throw new Error("gina's copy was never settled")
      await new Promise((r) => setTimeout(r, 100))
      events = await query(
        h.db.url,
        "SELECT ev.event_type, ev.metadata FROM email_events ev JOIN emails e ON e.id = ev.email_id WHERE e.public_id = $1 ORDER BY ev.id",
        [later]
      )
    }
    const [entry] = await suppressionsOf("gina@receiver.test")
    expect(events.find((e) => e.event_type === "suppressed")?.metadata).toEqual({
      recipient: "gina@receiver.test",
      reason: "manual",
      suppression_id: entry?.id,
      at: "delivery"
    })
    expect(h.sink.received.some((m) => m.to.includes("gina@receiver.test"))).toBe(false)
  })

  it("refuses a tampered unsubscribe link, GET or POST, and records nothing", async () => {
    const parts = new URL(link).pathname.split("/")
    const signature = parts[4] ?? ""
    parts[4] = (signature[0] === "A" ? "B" : "A") + signature.slice(1)
    const tampered = `${h.server.baseUrl}${parts.join("/")}`
    const otherDelivery = link.replace(
      /\/(\d+)\/([\w-]+)$/,
      (_m, d: string, s: string) => `/${Number(d) + 5}/${s}`
    )
    for (const url of [tampered, otherDelivery]) {
      expect((await fetch(url)).status).toBe(404)
      expect((await fetch(url, { method: "POST", body: "List-Unsubscribe=One-Click" })).status).toBe(404)
    }
    const all = await query<{ n: number }>(
      h.db.url,
      "SELECT count(*)::int AS n FROM suppressions WHERE reason = 'unsubscribe'"
    )
    expect(all[0]?.n).toBe(2)
  })

  it("stores every event it produced as the contract's typed events", async () => {
    await expectStoredEventsDecode(h.db.url, ["email.unsubscribed", "email.suppressed"])
  })
})
