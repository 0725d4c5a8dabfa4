import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { eventsUntil, type Harness, htmlOf, startHarness, UA, urlsIn } from "../tracking/harness.js"

interface GeoEvent {
  eventType: string
  metadata: Record<string, unknown>
  geoCountry: string | null
  geoRegion: string | null
  geoCity: string | null
  uaDeviceType: string | null
}

/** An address geoip-lite 1.4.10 places in St Albans, England (its own test suite uses it too). */
const ST_ALBANS = "81.2.69.142"

describe("GET /emails provider, country and device filters, and where opens come from", () => {
  let h: Harness
  let ann: string
  let bob: string

  const ids = async (query: string) =>
    ((await h.call("GET", `/emails?${query}`)).body.data as Array<{ publicId: string }>).map(
      (e) => e.publicId
    )

  const pixel = async (recipient: string) =>
    urlsIn(await htmlOf(await h.received(recipient, "Spring sale")), "src").find((u) =>
      u.includes("/t/o/")
    ) ?? ""

  beforeAll(async () => {
    // Behind one trusted proxy: the reader's address is the last X-Forwarded-For entry.
    h = await startHarness("geo.test")
    const patched = await h.call("PATCH", `/domains/${h.domainId}`, {
      open_tracking: true,
      tracking_domain: null
    })
    expect(patched.status).toBe(200)
    ann = await h.send(["ann@receiver.test"])
    bob = await h.send(["bob@receiver.test"])
  }, 90_000)
  afterAll(async () => {
    await h.close()
  })

  it("locates an open from a public address offline, and leaves loopback and private ones nowhere", async () => {
    const annPixel = await pixel("ann@receiver.test")
    const bobPixel = await pixel("bob@receiver.test")
    expect(
      (await fetch(annPixel, { headers: { "User-Agent": UA.iphoneMail, "X-Forwarded-For": ST_ALBANS } }))
        .status
    ).toBe(200)
    // No forwarded entry: the socket's own 127.0.0.1; then a private address through the proxy.
    expect((await fetch(bobPixel, { headers: { "User-Agent": UA.chrome } })).status).toBe(200)
    expect(
      (await fetch(bobPixel, { headers: { "User-Agent": UA.chrome, "X-Forwarded-For": "192.168.1.20" } }))
        .status
    ).toBe(200)

    const annEvents = (await eventsUntil(h, ann, (all) =>
      all.some((e) => e.eventType === "opened")
    )) as unknown as GeoEvent[]
    expect(annEvents.find((e) => e.eventType === "opened")).toMatchObject({
      geoCountry: "GB",
      geoRegion: "ENG",
      geoCity: "St Albans",
      uaDeviceType: "mobile",
      // The address itself is still kept only as its network.
      metadata: { ip: "81.2.69.0", location: { country: "GB", region: "ENG", city: "St Albans" } }
    })
    const bobEvents = (await eventsUntil(
      h,
      bob,
      (all) => all.filter((e) => e.eventType === "opened").length === 2
    )) as unknown as GeoEvent[]
    for (const open of bobEvents.filter((e) => e.eventType === "opened"))
      expect(open).toMatchObject({
        geoCountry: null,
        geoRegion: null,
        geoCity: null,
        uaDeviceType: "desktop"
      })
    // Webhooks carry the location with the event.
    const outbox = await query<{ payload: Record<string, unknown> }>(
      h.db.url,
      "SELECT payload FROM events WHERE type = 'email.opened' AND payload->>'email_id' = $1",
      [ann]
    )
    expect(outbox[0]?.payload.location).toEqual({ country: "GB", region: "ENG", city: "St Albans" })
    // No full address in any stored event.
    const full = await query<{ n: number }>(
      h.db.url,
      `SELECT count(*)::int AS n FROM email_events WHERE metadata::text LIKE '%${ST_ALBANS}%'`
    )
    expect(full[0]?.n).toBe(0)
  })

  it("filters by any event's country (ISO alpha-2, any case) and device type", async () => {
    expect(await ids("country=GB")).toEqual([ann])
    expect(await ids("country=gb")).toEqual([ann])
    expect(await ids("country=US")).toEqual([])
    expect(await ids("device=mobile")).toEqual([ann])
    expect(await ids("device=desktop")).toEqual([bob])
    expect(await ids("device=mobile&country=GB")).toEqual([ann])
    expect(await ids("device=desktop&country=GB")).toEqual([])
    expect(await h.call("GET", "/emails?country=GBR")).toMatchObject({
      status: 400,
      body: { code: "invalid_request" }
    })
  })

  it("filters by the first recipient's mailbox provider, which each email reports as recipientProvider", async () => {
    // Test mode: simulated, never handed to an MTA.
    const testKey = String(
      (await h.call("POST", "/api-keys", { name: "t", permission: "sending_access", mode: "test" })).body.key
    )
    const sendAs = async (to: string) => {
      const res = await fetch(`${h.server.baseUrl}/emails`, {
        method: "POST",
        headers: { Authorization: `Bearer ${testKey}`, "Content-Type": "application/json" },
        body: JSON.stringify({ from: "news@geo.test", to: [to], subject: "Hi", text: "Hi" })
      })
      return String(((await res.json()) as { id: string }).id)
    }
    const gmail = await sendAs("Someone@GoogleMail.com")
    const outlook = await sendAs("someone@hotmail.co.uk")
    expect(await ids("provider=gmail")).toEqual([gmail])
    expect(await ids("provider=outlook")).toEqual([outlook])
    expect(await ids("provider=yahoo")).toEqual([])
    expect(await ids("provider=nosuchprovider")).toEqual([])
    const listed = (await h.call("GET", "/emails")).body.data as Array<{
      publicId: string
      recipientProvider: string | null
    }>
    const providerOf = (id: string) => listed.find((e) => e.publicId === id)?.recipientProvider
    expect([providerOf(gmail), providerOf(outlook), providerOf(ann)]).toEqual(["gmail", "outlook", null])
  })
})
