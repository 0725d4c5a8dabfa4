import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.js"
import { type Harness, htmlOf, startHarness, UA, urlsIn } from "./harness.js"

describe("click tracking while PostgreSQL is unreachable", () => {
  let h: Harness
  let proxy: TcpProxy
  /** A second API server whose only way to the database is the proxy. */
  let edge: TestServer
  let id: string
  let clickPath: string
  let pixelPath: string
  let unsubscribePath: string

  const clicks = async () =>
    (
      await query<{ n: number }>(
        h.db.url,
        "SELECT count(*)::int AS n FROM email_events ev JOIN emails e ON e.id = ev.email_id WHERE e.public_id = $1 AND ev.event_type = 'clicked'",
        [id]
      )
    )[0]?.n ?? 0

  beforeAll(async () => {
    h = await startHarness("outage.test")
    await h.call("PATCH", `/domains/${h.domainId}`, {
      open_tracking: true,
      click_tracking: true,
      tracking_domain: null
    })
    id = await h.send(["frank@receiver.test"], { subject: "Outage", unsubscribe: true })
    const message = await h.received("frank@receiver.test", "Outage")
    const html = await htmlOf(message)
    unsubscribePath = new URL(
      /^List-Unsubscribe: <([^>]+)>/im.exec(message.raw.toString().replace(/\r\n[ \t]+/g, " "))?.[1] ?? ""
    ).pathname
    const link = new URL(urlsIn(html, "href").find((u) => u.includes("/t/c/")) ?? "")
    clickPath = `${link.pathname}${link.search}`
    pixelPath = new URL(urlsIn(html, "src").find((u) => u.includes("/t/o/")) ?? "").pathname
    const dbUrl = new URL(h.db.url)
    proxy = await startTcpProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) })
    dbUrl.host = `127.0.0.1:${proxy.port}`
    edge = await startTestServer({ databaseUrl: dbUrl.toString() })
  })
  afterAll(async () => {
    proxy.up()
    await edge.close()
    await proxy.close()
    await h.close()
  })

  it("still redirects with 302 at once, and records the click once the database is back", async () => {
    proxy.down()
    const started = Date.now()
    const res = await fetch(`${edge.baseUrl}${clickPath}`, {
      redirect: "manual",
      headers: { "User-Agent": UA.chrome }
    })
    expect(res.status).toBe(302)
    expect(res.headers.get("location")).toBe("https://shop.example/sale?utm_source=mail&utm_medium=email")
    expect(Date.now() - started).toBeLessThan(2000)
    const pixel = await fetch(`${edge.baseUrl}${pixelPath}`, { headers: { "User-Agent": UA.iphoneMail } })
    expect(pixel.status).toBe(200)
    // A tampered link still gets no redirect, database or not.
    const tampered = await fetch(
      `${edge.baseUrl}${clickPath.replace(/url=[^&]+/, "url=https%3A%2F%2Fevil.example%2F")}`,
      {
        redirect: "manual"
      }
    )
    expect(tampered.status).toBe(404)

    // An unsubscribe must be written before it is confirmed: while the database is away it is refused.
    const unsubscribe = await fetch(`${edge.baseUrl}${unsubscribePath}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click"
    })
    expect(unsubscribe.status).toBe(503)
    expect(await unsubscribe.json()).toMatchObject({ code: "internal_error" })

    // The edge server cannot write while the proxy is down.
    await new Promise((r) => setTimeout(r, 1500))
    expect(await clicks()).toBe(0)

    const recoveredAt = Date.now()
    proxy.up()
    const deadline = Date.now() + 15_000
    while ((await clicks()) === 0) {
      if (Date.now() > deadline) throw new Error("the click was never recorded")
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(await clicks()).toBe(1)
    const events = await query<{
      event_type: string
      metadata: Record<string, unknown>
      ua_client_name: string
      created_at: Date
    }>(
      h.db.url,
      "SELECT ev.event_type, ev.metadata, ev.ua_client_name, ev.created_at FROM email_events ev JOIN emails e ON e.id = ev.email_id WHERE e.public_id = $1 AND ev.event_type IN ('clicked', 'opened') ORDER BY ev.id",
      [id]
    )
    expect(events.map((e) => e.event_type).sort()).toEqual(["clicked", "opened"])
    // Stamped with when the reader clicked, not when the database came back.
    const clicked = events.find((e) => e.event_type === "clicked")
    expect(clicked?.created_at.getTime()).toBeGreaterThanOrEqual(started - 5)
    expect(clicked?.created_at.getTime()).toBeLessThan(recoveredAt - 1000)
    expect(clicked).toMatchObject({
      ua_client_name: "Chrome",
      metadata: {
        recipient: "frank@receiver.test",
        url: "https://shop.example/sale?utm_source=mail&utm_medium=email"
      }
    })
  })
})
