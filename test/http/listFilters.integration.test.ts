import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startTestServer, type TestServer } from "../support/server.js"

/**
 * Every list route of the API, with each query parameter it reads: values it cannot read are
 * `400 invalid_request` (never an empty page, never a 5xx), values it can still answer 200, and the
 * unpaginated lists ignore their query as the contract says (docs/api-decisions.md, "List filters").
 */
interface Route {
  readonly path: () => string
  /** Each parameter with values the route must refuse, and one it must take. */
  readonly params: Readonly<Record<string, { readonly bad: ReadonlyArray<string>; readonly good: string }>>
  /** What a good value answers; 200 unless the route has a reason (an export of an unknown segment). */
  readonly goodStatus?: Readonly<Record<string, number>>
}

const PAGE = { bad: ["0", "-1", "abc", "1.5", "1e2", " 1", "0x1", "2147483648"], good: "2" }
const PER_PAGE = { bad: ["0", "101", "abc", "-5", "10.0"], good: "100" }
const DATE = {
  bad: ["yesterday", "2024-13-45", "1969-12-31", "10000-01-01", "2024-05-01T25:00:00Z"],
  good: "2024-05-01"
}
const ID = { bad: ["abc", "0", "-1", "1.5", "2147483648", "dom_"], good: "1" }
const BOOL = { bad: ["yes", "1", "TRUE", ""], good: "false" }
const DAYS = (max: number) => ({ bad: ["0", String(max + 1), "abc", "-1"], good: String(max) })
const paged = { page: PAGE, per_page: PER_PAGE }
const UNKNOWN_SEGMENT = "seg_000000000000000000000000"

describe("list routes refuse query values they cannot read, alike", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let key: string
  const ids = { domain: 0, segment: "", topic: "", webhook: 0, channel: "", broadcast: "" }
  /** A GET whose answer may be CSV (the export): its body is read as JSON only when it is JSON. */
  const call = async (path: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: { Authorization: `Bearer ${key}` } })
    const text = await res.text()
    const json = res.headers.get("content-type")?.startsWith("application/json") === true
    return { status: res.status, body: (json ? JSON.parse(text) : { text }) as Record<string, unknown> }
  }
  const create = async (path: string, body: unknown) => {
    const res = await callApi(server.baseUrl, key, "POST", path, body)
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300)
    return res.body
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    server = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      webhooks: { allowLoopback: true, timeoutMs: 2000 }
    })
    key = (await server.bootstrap()) ?? ""
    ids.domain = (await addVerifiedDomain(server.baseUrl, key, dns, "filters.test")).id
    ids.segment = ((await create("/segments", { name: "All" })).segment as { publicId: string }).publicId
    ids.topic = (
      (await create("/subscription-topics", { name: "News" })).topic as { publicId: string }
    ).publicId
    ids.webhook = (
      (await create("/webhooks", { url: "http://127.0.0.1:9/in", events: ["*"] })).webhook as {
        id: number
      }
    ).id
    ids.channel = (
      (
        await create("/notification-channels", {
          type: "slack",
          name: "alerts",
          events: ["email.bounced"],
          config: { webhookUrl: "http://127.0.0.1:9/services/T0/B0/filters" }
        })
      ).channel as { publicId: string }
    ).publicId
    ids.broadcast = (
      (
        await create("/broadcasts", {
          segment_id: ids.segment,
          from: "news@filters.test",
          subject: "Hello",
          html: "<p>Hi</p>"
        })
      ).broadcast as { publicId: string }
    ).publicId
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  const routes: ReadonlyArray<Route> = [
    {
      path: () => "/emails",
      params: {
        ...paged,
        status: { bad: ["bogus", "Delivered", "sent", "opened", ""], good: "delivered" },
        domain_id: ID,
        domain: ID,
        date_from: DATE,
        date_to: DATE,
        country: { bad: ["USA", "1", "U"], good: "fr" },
        device: { bad: ["x".repeat(51)], good: "mobile" }
      }
    },
    {
      path: () => "/contacts",
      params: {
        ...paged,
        search: { bad: ["x".repeat(321)], good: "ann" },
        segment_id: { bad: ["bogus", "123", "seg_", "seg_XYZ000000000000000000000"], good: UNKNOWN_SEGMENT },
        engagement_segment: { bad: ["bogus", "ACTIVE"], good: "active" },
        unsubscribed: BOOL
      }
    },
    {
      path: () => "/contacts/export",
      params: { segment_id: { bad: ["bogus", "42"], good: UNKNOWN_SEGMENT } },
      goodStatus: { segment_id: 404 }
    },
    {
      path: () => "/templates",
      params: { ...paged, published: BOOL, search: { bad: ["x".repeat(201)], good: "welcome" } }
    },
    {
      path: () => "/broadcasts",
      params: { ...paged, status: { bad: ["bogus", "Draft", "sent,draft"], good: "draft" } }
    },
    {
      path: () => "/broadcasts/performance",
      params: {
        since: DATE,
        metric: { bad: ["bogus", "open-rate"], good: "open_rate" },
        limit: { bad: ["0", "101", "abc"], good: "100" }
      }
    },
    {
      path: () => `/broadcasts/${ids.broadcast}/non-openers`,
      params: { limit: { bad: ["0", "5001", "abc"], good: "5000" } }
    },
    {
      path: () => `/broadcasts/${ids.broadcast}/non-clickers`,
      params: { limit: { bad: ["0", "5001", "abc"], good: "1" } }
    },
    {
      path: () => "/suppressions",
      params: {
        ...paged,
        reason: { bad: ["bogus", "hard-bounce", "HARD_BOUNCE"], good: "hard_bounce" },
        search: { bad: ["x".repeat(321)], good: "example" }
      }
    },
    {
      path: () => "/inbound",
      params: { ...paged, domain: { bad: ["x".repeat(254)], good: "unknown.example" } }
    },
    { path: () => "/signup-forms", params: paged },
    {
      path: () => "/audit-log",
      params: {
        ...paged,
        action: { bad: ["bogus"], good: "api_key.created" },
        actor_type: { bad: ["bogus", "USER"], good: "api_key" },
        actor_id: { bad: ["x".repeat(65)], good: "1" },
        from: DATE,
        to: DATE
      }
    },
    {
      path: () => "/logs",
      params: {
        ...paged,
        status: { bad: ["bogus", "200", "6xx"], good: "4xx" },
        method: { bad: ["bogus", "get", "HEAD"], good: "GET" },
        endpoint: { bad: ["x".repeat(201)], good: "/emails" },
        api_key_id: ID,
        from: DATE,
        to: DATE
      }
    },
    { path: () => `/segments/${ids.segment}/members`, params: paged },
    { path: () => `/segments/${ids.segment}/growth`, params: { days: DAYS(365) } },
    {
      path: () => `/subscription-topics/${ids.topic}/subscribers`,
      params: { ...paged, subscribed: BOOL }
    },
    {
      path: () => `/webhooks/${ids.webhook}/deliveries`,
      params: { ...paged, status: { bad: ["bogus", "delivered", "succeeded"], good: "success" } }
    },
    {
      path: () => `/notification-channels/${ids.channel}/deliveries`,
      params: { ...paged, status: { bad: ["bogus", "success", "Failed"], good: "delivered" } }
    },
    {
      path: () => `/domains/${ids.domain}/dmarc/reports`,
      params: { page: PAGE, perPage: PER_PAGE, per_page: PER_PAGE }
    },
    { path: () => `/domains/${ids.domain}/dmarc/stats`, params: { days: DAYS(365) } },
    { path: () => `/domains/${ids.domain}/dmarc/sources`, params: { days: DAYS(365) } },
    { path: () => `/domains/${ids.domain}/placement`, params: { days: DAYS(365) } },
    { path: () => "/billing/usage", params: { days: DAYS(92) } }
  ]

  for (const route of routes) {
    it(`${route
      .path()
      .replace(/\/\//g, "/:id/")
      .replace(/\/\d+(?=\/|$)/g, "/:id")}: ${Object.keys(route.params).join(", ")}`, async () => {
      const bare = await call(route.path())
      expect(bare.status, JSON.stringify(bare.body)).toBe(200)
      for (const [name, { bad, good }] of Object.entries(route.params)) {
        for (const value of bad) {
          const res = await call(`${route.path()}?${new URLSearchParams({ [name]: value })}`)
          expect({ name, value, status: res.status, code: res.body.code }).toEqual({
            name,
            value,
            status: 400,
            code: "invalid_request"
          })
          // The message names the parameter as the client wrote it.
          expect(String(res.body.error).startsWith(`${name}: `), `${name}=${value}: ${res.body.error}`).toBe(
            true
          )
        }
        const ok = await call(`${route.path()}?${new URLSearchParams({ [name]: good })}`)
        expect({ name, good, status: ok.status }).toEqual({
          name,
          good,
          status: route.goodStatus?.[name] ?? 200
        })
      }
    })
  }

  it("a parameter given twice is refused, not read as one of its values", async () => {
    for (const path of [
      "/emails?status=sent&status=bounced",
      "/suppressions?reason=manual&reason=complaint"
    ]) {
      const res = await call(path)
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 400,
        code: "invalid_request"
      })
    }
  })

  it("the unpaginated lists ignore their query, as the contract says", async () => {
    const lists = [
      "/domains",
      "/webhooks",
      "/api-keys",
      "/segments",
      "/subscription-topics",
      "/notification-channels",
      "/workflows",
      "/contact-properties"
    ]
    for (const path of lists) {
      const res = await call(`${path}?page=abc&per_page=1000&status=bogus`)
      expect({ path, status: res.status }).toEqual({ path, status: 200 })
    }
  })

  it("filters still filter: a known status narrows the list instead of being ignored", async () => {
    const res = await call("/broadcasts?status=sent")
    expect(res.status).toBe(200)
    expect(res.body.data).toEqual([])
    const drafts = await call("/broadcasts?status=draft")
    expect((drafts.body.data as Array<{ publicId: string }>).map((b) => b.publicId)).toEqual([ids.broadcast])
  })
})
