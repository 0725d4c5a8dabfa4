import { readFileSync } from "node:fs"
import { PgDatabase } from "@poststack/adapters-persistence"
import type { PeriodicTask } from "@poststack/application"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { sdk, rejection } from "../support/sdkClient.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { callApi } from "../support/api.js"

/** The SDK's enums, as section 17 of the contract lists them. */
const SDK = {
  EmailStatus: ["queued", "sending", "deferred", "delivered", "bounced", "complained", "failed"],
  EmailEventType: [
    "queued",
    "sent",
    "delivered",
    "deferred",
    "bounced",
    "soft_bounced",
    "opened",
    "clicked",
    "complained",
    "unsubscribed",
    "failed"
  ],
  DnsRecordPurpose: ["spf", "dkim", "dkim_rotation", "dmarc", "return_path", "mx", "imap", "submission"],
  WebhookDeliveryStatus: ["pending", "success", "failed"],
  SpamAction: ["no_action", "greylist", "add_header", "rewrite_subject", "soft_reject", "reject"],
  EngagementSegment: ["active", "at_risk", "dormant"],
  ContactPropertyType: ["text", "number", "boolean", "date", "select"]
}
/** The one value the contract leaves open (a cancelled email's status). */
const CANCEL_GAP = "cancelled"

const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []

interface EmailWire {
  publicId: string
  status: string
  scheduledAt: string | null
  events: Array<{ eventType: string; metadata: Record<string, unknown> | null }>
}

describe("values the SDK types as enums stay inside them", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let key: string

  const call = (method: string, path: string, body?: unknown, apiKey = key) =>
    callApi(server.baseUrl, apiKey, method, path, body)

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    key = (await server.bootstrap()) ?? ""
    await addVerifiedDomain(server.baseUrl, key, dns, "enums.test")
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("declares them in the OpenAPI document exactly as the SDK's enums (plus the cancel GAP)", () => {
    const schemas = (
      JSON.parse(readFileSync("packages/contract/openapi.json", "utf8")) as {
        components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> }
      }
    ).components.schemas
    const enumOf = (schema: string, field: string) => schemas[schema]?.properties[field]?.enum
    expect(enumOf("Email", "status")).toEqual([...SDK.EmailStatus, CANCEL_GAP])
    expect(enumOf("EmailDetail", "status")).toEqual([...SDK.EmailStatus, CANCEL_GAP])
    expect(enumOf("EmailEvent", "eventType")).toEqual(SDK.EmailEventType)
    expect(enumOf("DnsRecord", "purpose")).toEqual(SDK.DnsRecordPurpose)
    expect(enumOf("WebhookDelivery", "status")).toEqual(SDK.WebhookDeliveryStatus)
    expect(enumOf("Contact", "engagementSegment")).toEqual(SDK.EngagementSegment)
    expect(enumOf("ContactProperty", "type")).toEqual(SDK.ContactPropertyType)
  })

  it("answers only SDK values for mail in every state: test-mode outcomes, scheduled, suppressed, cancelled", async () => {
    const testKey = String(
      (await call("POST", "/api-keys", { name: "t", permission: "sending_access", mode: "test" })).body.key
    )
    await call("POST", "/suppressions", { email: "gone@example.com", reason: "hard_bounce" })
    const mail = { from: "news@enums.test", subject: "Hello", text: "Hello" }
    const send = async (extra: Record<string, unknown>, apiKey = key) =>
      String((await call("POST", "/emails", { ...mail, ...extra }, apiKey)).body.id)
    const later = new Date(Date.now() + 3_600_000).toISOString()
    const ids = {
      delivered: await send({ to: ["a@example.com"] }, testKey),
      bounced: await send({ to: ["bounced@simulator.poststack.dev"] }, testKey),
      complained: await send({ to: ["complained@simulator.poststack.dev"] }, testKey),
      deferred: await send({ to: ["deferred@simulator.poststack.dev"] }, testKey),
      scheduled: await send({ to: ["b@example.com"], scheduled_at: later }),
      suppressed: await send({ to: ["gone@example.com"] }),
      cancelled: await send({ to: ["c@example.com"], scheduled_at: later })
    }
    expect((await call("POST", `/emails/${ids.cancelled}/cancel`)).status).toBe(200)

    const worker = ManagedRuntime.make(
      WorkerLive.layer(
        noTasks,
        jobs.filter((job) => job.name === "deliveries.test-mode")
      ).pipe(
        Layer.provide(testServices({ dnsServers: [dns.address] })),
        Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 3 }))
      )
    )
    await worker.runPromise(Effect.void)
    const get = async (id: string) => (await call("GET", `/emails/${id}`)).body.email as EmailWire
    try {
      const deadline = Date.now() + 20_000
      for (;;) {
        const states = await Promise.all(
          [ids.delivered, ids.bounced, ids.complained, ids.deferred].map(async (id) => (await get(id)).status)
        )
        if (states.every((s) => s === "delivered" || s === "bounced" || s === "complained")) break
        if (Date.now() > deadline) throw new Error(`test-mode mail still ${states.join(", ")}`)
        await new Promise((r) => setTimeout(r, 200))
      }
    } finally {
      await worker.dispose()
    }

    // Stored, these are `scheduled`, `suppressed` and `cancelled`: none may leak but the GAP.
    const stored = await query<{ public_id: string; status: string }>(
      db.url,
      "SELECT public_id, status FROM emails"
    )
    expect(new Set(stored.map((r) => r.status))).toEqual(
      new Set(["delivered", "bounced", "complained", "scheduled", "suppressed", "cancelled"])
    )
    const seen = { statuses: new Set<string>(), events: new Set<string>() }
    const listed = (await call("GET", "/emails?per_page=100")).body.data as EmailWire[]
    expect(listed).toHaveLength(Object.keys(ids).length)
    for (const row of listed) {
      seen.statuses.add(row.status)
      const email = await get(row.publicId)
      seen.statuses.add(email.status)
      const events = (await call("GET", `/emails/${row.publicId}/events`)).body.events as EmailWire["events"]
      expect(events).toEqual(email.events)
      for (const e of events) seen.events.add(e.eventType)
    }
    for (const status of seen.statuses) expect([...SDK.EmailStatus, CANCEL_GAP]).toContain(status)
    for (const type of seen.events) expect(SDK.EmailEventType).toContain(type)

    expect(await get(ids.scheduled)).toMatchObject({ status: "queued", scheduledAt: later })
    expect((await get(ids.scheduled)).events[0]).toMatchObject({
      eventType: "queued",
      metadata: { scheduled: true, scheduled_at: later }
    })
    expect(await get(ids.suppressed)).toMatchObject({ status: "failed" })
    expect((await get(ids.suppressed)).events.at(-1)).toMatchObject({
      eventType: "failed",
      metadata: { suppressed: true, reason: "hard_bounce", recipient: "gone@example.com" }
    })
    expect(await get(ids.cancelled)).toMatchObject({ status: "cancelled" })
    expect((await get(ids.cancelled)).events.at(-1)).toMatchObject({
      eventType: "failed",
      metadata: { cancelled: true }
    })
    expect((await get(ids.deferred)).events.map((e) => e.eventType)).toEqual([
      "queued",
      "deferred",
      "sent",
      "delivered"
    ])
  }, 60_000)

  it("lists DNS record purposes from the enum and reports the tracking CNAME in its own field", async () => {
    const created = await call("POST", "/domains", {
      name: "links.enums-two.test",
      tracking_domain: "t.links.enums-two.test"
    })
    expect(created.status).toBe(201)
    const domain = created.body.domain as {
      id: number
      dnsRecords: Array<{ purpose: string }>
      trackingDnsRecord: { type: string; name: string; purpose: string; required: boolean } | null
    }
    for (const r of domain.dnsRecords) expect(SDK.DnsRecordPurpose).toContain(r.purpose)
    expect(domain.trackingDnsRecord).toMatchObject({
      type: "CNAME",
      name: "t.links.enums-two.test",
      purpose: "tracking",
      required: false
    })
    const listed = (await call("GET", "/domains")).body.domains as Array<{
      dnsRecords: Array<{ purpose: string }>
    }>
    for (const d of listed) for (const r of d.dnsRecords) expect(SDK.DnsRecordPurpose).toContain(r.purpose)
    const started = await call("POST", `/domains/${domain.id}/dkim/rotate`)
    expect(started.status).toBe(200)
    const rotating = (await call("GET", `/domains/${domain.id}`)).body.domain as {
      dnsRecords: Array<{ purpose: string }>
    }
    expect(rotating.dnsRecords.map((r) => r.purpose)).toContain("dkim_rotation")
    for (const r of rotating.dnsRecords) expect(SDK.DnsRecordPurpose).toContain(r.purpose)
  })

  it("lets a test key create a key without mode (a test key), never a live one; a live key's default stays live", async () => {
    const testKey =
      (
        await sdk(key, { baseUrl: server.baseUrl }).apiKeys.create({
          name: "ci",
          permission: "full_access",
          mode: "test",
          allow_full_access: true
        })
      ).key ?? ""
    const asTest = sdk(testKey, { baseUrl: server.baseUrl })
    const minted = await asTest.apiKeys.create({ name: "from test", permission: "sending_access" })
    expect(minted).toMatchObject({ mode: "test", permission: "sending_access" })
    expect(minted.key).toMatch(/^sk_test_/)
    const refused = await rejection(
      asTest.apiKeys.create({ name: "live", permission: "sending_access", mode: "live" })
    )
    expect(refused).toMatchObject({ statusCode: 403, code: "forbidden" })
    const live = await sdk(key, { baseUrl: server.baseUrl }).apiKeys.create({
      name: "l",
      permission: "sending_access"
    })
    expect(live.mode).toBe("live")
    expect(live.key).toMatch(/^sk_live_/)
  })
})
