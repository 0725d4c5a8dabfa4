import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { type TestDnsServer, startDnsServer } from "../support/dnsServer.js"
import { TEST_MAIL_HOSTS, type TestServer, startTestServer } from "../support/server.js"
import { callApi } from "../support/api.js"

interface DnsRecordWire {
  type: string
  name: string
  value: string
  priority: number | null
  purpose: string
  verified: boolean
  status: string
  required: boolean
}
interface DomainWire {
  id: number
  publicId: string
  name: string
  status: string
  verified: boolean
  dnsRecords: DnsRecordWire[]
  openTracking: boolean
  clickTracking: boolean
  trackingDomain: string | null
  trackingDnsRecord: DnsRecordWire | null
  inboundEnabled: boolean
  verifiedAt: string | null
}

const dkimName = (domain: DomainWire) => String(domain.dnsRecords.find((r) => r.purpose === "dkim")?.name)

describe("/domains against a real DNS server", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let key: string

  const call = (method: string, path: string, body?: unknown, apiKey = key) =>
    callApi(server.baseUrl, apiKey, method, path, body)
  const create = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await call("POST", "/domains", { name, ...extra })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body.domain as DomainWire
  }
  /** Publishes exactly what the API told the user to publish. */
  const publishAll = (domain: DomainWire, purposes?: ReadonlyArray<string>) => {
    for (const r of domain.dnsRecords) {
      if (purposes !== undefined && !purposes.includes(r.purpose)) continue
      dns.publish(r.name, r.type as "TXT" | "MX" | "CNAME", r.value)
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    key = (await server.bootstrap()) ?? ""
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("creates a domain with every record to publish, a DKIM key, and the Terraform-readable envelope", async () => {
    const res = await call("POST", "/domains", {
      name: "Example.TEST.",
      open_tracking: true,
      inbound_enabled: true
    })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      name: "example.test",
      status: "pending",
      verified: false,
      open_tracking: true,
      click_tracking: false
    })
    const domain = res.body.domain as DomainWire
    expect(domain).toMatchObject({
      name: "example.test",
      status: "pending",
      openTracking: true,
      inboundEnabled: true
    })
    expect(domain.publicId).toMatch(/^dom_[0-9a-f]{32}$/)
    const byPurpose = Object.fromEntries(domain.dnsRecords.map((r) => [r.purpose, r]))
    expect(byPurpose.spf).toMatchObject({
      type: "TXT",
      name: "bounces.example.test",
      value: "v=spf1 ip4:127.0.0.1 ~all",
      required: true
    })
    expect(byPurpose.return_path).toMatchObject({
      type: "MX",
      name: "bounces.example.test",
      value: TEST_MAIL_HOSTS.mxHost,
      priority: 10
    })
    expect(byPurpose.dkim?.name).toMatch(/^ps[a-z0-9]{10}\._domainkey\.example\.test$/)
    expect(byPurpose.dkim?.value).toMatch(/^v=DKIM1; k=rsa; p=MIIBIjAN[A-Za-z0-9+/=]{380,}$/)
    expect(byPurpose.dmarc).toMatchObject({ type: "TXT", name: "_dmarc.example.test", required: true })
    expect(byPurpose.dmarc?.value).toMatch(/^v=DMARC1; p=none; rua=mailto:dmarc@bounces\.example\.test$/)
    expect(byPurpose.mx).toMatchObject({
      type: "MX",
      name: "example.test",
      value: TEST_MAIL_HOSTS.mxHost,
      required: false
    })
    // The tracking CNAME has a field of its own: the SDK types `purpose` as an enum without it.
    expect(domain.dnsRecords.map((r) => r.purpose).sort()).toEqual([
      "dkim",
      "dmarc",
      "mx",
      "return_path",
      "spf"
    ])
    expect(domain.trackingDnsRecord).toMatchObject({
      type: "CNAME",
      purpose: "tracking",
      name: "track.example.test",
      value: TEST_MAIL_HOSTS.trackingTarget,
      required: false
    })
    for (const r of [...domain.dnsRecords, domain.trackingDnsRecord])
      expect(r).toMatchObject({ status: "pending", verified: false })

    // The private key is stored sealed, never as PEM, and never returned.
    const rows = await query<{ private_key_sealed: Buffer }>(
      db.url,
      "SELECT private_key_sealed FROM dkim_keys"
    )
    expect(rows).toHaveLength(1)
    expect(rows[0]?.private_key_sealed.toString("latin1")).not.toContain("PRIVATE KEY")
    expect(JSON.stringify(res.body)).not.toContain("PRIVATE")
  })

  it("refuses duplicates with 409 and bad names with 422", async () => {
    await create("dupe.test")
    expect(await call("POST", "/domains", { name: "DUPE.test" })).toMatchObject({
      status: 409,
      body: { code: "conflict" }
    })
    for (const name of [
      "co.uk",
      "github.io",
      "com",
      "localhost",
      "-bad-.test",
      "a..b.test",
      "exämple.test",
      "10.0.0.1",
      ""
    ]) {
      const res = await call("POST", "/domains", { name })
      expect(res.status, name).toBe(422)
      expect(res.body.code).toBe("unprocessable_entity")
    }
    expect((await call("POST", "/domains", { name: 42 })).status).toBe(400)
    expect((await call("POST", "/domains", { name: "r.test", region: "us-east-1" })).status).toBe(400)
    expect(
      (await call("POST", "/domains", { name: "t.test", tracking_domain: "track.elsewhere.test" })).status
    ).toBe(422)
  })

  it("finds a domain by id or dom_ id, lists, updates and deletes it", async () => {
    const domain = await create("manage.test")
    expect((await call("GET", `/domains/${domain.id}`)).body).toMatchObject({
      id: domain.id,
      name: "manage.test"
    })
    expect((await call("GET", `/domains/${domain.publicId}`)).body).toMatchObject({ id: domain.id })
    expect((await call("GET", "/domains/dom_doesnotexist")).status).toBe(404)
    expect((await call("GET", "/domains/not-an-id")).status).toBe(400)
    const listed = (await call("GET", "/domains")).body.domains as DomainWire[]
    expect(listed.map((d) => d.name)).toContain("manage.test")

    const patched = await call("PATCH", `/domains/${domain.id}`, {
      click_tracking: true,
      tracking_domain: "links.manage.test",
      inbound_enabled: true,
      custom_return_path: "mail-bounces"
    })
    expect(patched.status).toBe(200)
    const updated = patched.body.domain as DomainWire
    expect(updated).toMatchObject({
      clickTracking: true,
      trackingDomain: "links.manage.test",
      inboundEnabled: true
    })
    const names = updated.dnsRecords.map((r) => `${r.purpose} ${r.name}`)
    expect(names).toEqual(
      expect.arrayContaining([
        "spf mail-bounces.manage.test",
        "return_path mail-bounces.manage.test",
        "mx manage.test"
      ])
    )
    expect(updated.trackingDnsRecord).toMatchObject({ purpose: "tracking", name: "links.manage.test" })
    expect((await call("PATCH", `/domains/${domain.id}`, { tracking_domain: "evil.test" })).status).toBe(422)
    expect(
      (await call("PATCH", `/domains/${domain.id}`, { bimi_logo_url: "http://insecure.test/logo.svg" }))
        .status
    ).toBe(400)

    const scoped = await call("POST", "/api-keys", {
      name: "scoped",
      permission: "sending_access",
      domain_id: String(domain.id)
    })
    expect(scoped.status).toBe(201)
    expect(await call("DELETE", `/domains/${domain.id}`)).toMatchObject({
      status: 200,
      body: { success: true }
    })
    expect((await call("GET", `/domains/${domain.id}`)).status).toBe(404)
    expect((await call("GET", "/api-keys", undefined, String(scoped.body.key))).status).toBe(401)
    // The name can be added again once deleted.
    expect((await call("POST", "/domains", { name: "manage.test" })).status).toBe(201)
  })

  it("verifies only when DNS serves the records, records the event, and falls back when they disappear", async () => {
    const domain = await create("verify.test")
    const first = await call("POST", `/domains/${domain.id}/verify`)
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ queued: true, domain: { status: "pending", verified: false } })
    expect((first.body.domain as DomainWire).dnsRecords.every((r) => r.status === "pending")).toBe(true)

    expect(dns.queries).toEqual(expect.arrayContaining([`TXT ${dkimName(domain)}`, "MX bounces.verify.test"]))

    publishAll(domain, ["spf", "dkim", "dmarc"])
    const partial = (await call("POST", `/domains/${domain.id}/verify`)).body.domain as DomainWire
    expect(partial.status).toBe("pending")
    expect(partial.dnsRecords.find((r) => r.purpose === "dkim")?.verified).toBe(true)
    expect(partial.dnsRecords.find((r) => r.purpose === "return_path")?.verified).toBe(false)

    publishAll(domain, ["return_path"])
    const verified = (await call("POST", `/domains/${domain.id}/verify`)).body.domain as DomainWire
    expect(verified).toMatchObject({ status: "verified", verified: true })
    expect(verified.verifiedAt).not.toBeNull()
    // Advisory records do not gate: the tracking CNAME was never published.
    expect(verified.trackingDnsRecord?.verified).toBe(false)

    // A resolver outage proves nothing: the domain stays verified.
    dns.failing = true
    expect(((await call("POST", `/domains/${domain.id}/verify`)).body.domain as DomainWire).status).toBe(
      "verified"
    )
    dns.failing = false

    dns.unpublish(dkimName(domain))
    const lost = (await call("POST", `/domains/${domain.id}/verify`)).body.domain as DomainWire
    expect(lost).toMatchObject({ status: "failed", verified: false })
    expect(lost.dnsRecords.find((r) => r.purpose === "dkim")?.status).toBe("failed")

    const events = await query<{ type: string; payload: { domain_id: number; name: string } }>(
      db.url,
      "SELECT type, payload FROM events WHERE payload->>'name' = 'verify.test' ORDER BY id"
    )
    expect(events.map((e) => e.type)).toEqual(["domain.verified", "domain.verification_failed"])
    expect(events[0]?.payload.domain_id).toBe(domain.id)
  })

  it("accepts SPF merged with other mechanisms, and a DMARC policy of the owner's choosing", async () => {
    const domain = await create("merged.test")
    publishAll(domain, ["dkim", "return_path"])
    dns.publish("bounces.merged.test", "TXT", "v=spf1 include:_spf.other.test ip4:127.0.0.1 -all")
    dns.publish("_dmarc.merged.test", "TXT", "v=DMARC1; p=reject; adkim=s")
    const verified = (await call("POST", `/domains/${domain.id}/verify`)).body.domain as DomainWire
    expect(verified.status).toBe("verified")
  })

  it("keeps other teams out: 404 on every route", async () => {
    const domain = await create("mine.test")
    const otherKey = await insertTeamWithKey(db.url, "other")
    for (const [method, path] of [
      ["GET", `/domains/${domain.id}`],
      ["GET", `/domains/${domain.publicId}`],
      ["PATCH", `/domains/${domain.id}`],
      ["DELETE", `/domains/${domain.id}`],
      ["POST", `/domains/${domain.id}/verify`],
      ["POST", `/domains/${domain.id}/dkim/rotate`],
      ["POST", `/domains/${domain.id}/dkim/rotate/activate`],
      ["DELETE", `/domains/${domain.id}/dkim/rotate`]
    ] as const) {
      const res = await call(
        method,
        path,
        method === "PATCH" ? { click_tracking: true } : undefined,
        otherKey
      )
      expect(res.status, `${method} ${path}`).toBe(404)
    }
    expect(((await call("GET", "/domains", undefined, otherKey)).body.domains as DomainWire[]).length).toBe(0)
    // The other team may add the same name, with its own key: team A's records do not verify it.
    const theirs = await call("POST", "/domains", { name: "mine.test" }, otherKey)
    expect(theirs.status).toBe(201)
    const theirDomain = theirs.body.domain as DomainWire
    expect(dkimName(theirDomain)).not.toBe(dkimName(domain))
    publishAll(domain)
    expect(((await call("POST", `/domains/${domain.id}/verify`)).body.domain as DomainWire).status).toBe(
      "verified"
    )
    const stillPending = (await call("POST", `/domains/${theirDomain.id}/verify`, undefined, otherKey)).body
      .domain as DomainWire
    expect(stillPending.status).toBe("pending")
    expect(stillPending.dnsRecords.find((r) => r.purpose === "dkim")?.verified).toBe(false)
    for (const path of [
      `/domains/${domain.id}/dmarc/reports`,
      `/domains/${domain.id}/dmarc/stats`,
      `/domains/${domain.id}/dmarc/sources`,
      `/domains/${domain.id}/placement`
    ]) {
      expect((await call("GET", path, undefined, otherKey)).status, path).toBe(404)
    }
    expect((await call("POST", `/domains/${domain.id}/ip`, { ipAddressId: 1 }, otherKey)).status).toBe(404)
    expect((await call("DELETE", `/domains/${domain.id}/ip`, undefined, otherKey)).status).toBe(404)
    expect((await call("GET", `/domains/${domain.id}`)).body).toMatchObject({
      name: "mine.test",
      click_tracking: false
    })
  })

  it("records one verification event however many checks race", async () => {
    const domain = await create("race.test")
    publishAll(domain)
    const results = await Promise.all(
      Array.from({ length: 6 }, () => call("POST", `/domains/${domain.id}/verify`))
    )
    for (const r of results) expect(r.status).toBe(200)
    expect(((await call("GET", `/domains/${domain.id}`)).body.domain as DomainWire).status).toBe("verified")
    const events = await query(
      db.url,
      "SELECT id FROM events WHERE type = 'domain.verified' AND payload->>'name' = 'race.test'"
    )
    expect(events).toHaveLength(1)
  })

  it("takes a subdomain's DMARC policy from its organisational domain, as receivers do", async () => {
    const domain = await create("news.acme.test")
    publishAll(domain, ["spf", "dkim", "return_path"])
    expect(((await call("POST", `/domains/${domain.id}/verify`)).body.domain as DomainWire).status).toBe(
      "pending"
    )
    dns.publish("_dmarc.acme.test", "TXT", "v=DMARC1; p=quarantine")
    expect(((await call("POST", `/domains/${domain.id}/verify`)).body.domain as DomainWire).status).toBe(
      "verified"
    )
  })

  it("checks new records at once when settings change, and keeps the domain verified meanwhile", async () => {
    const domain = await create("moving.test")
    publishAll(domain)
    expect(((await call("POST", `/domains/${domain.id}/verify`)).body.domain as DomainWire).status).toBe(
      "verified"
    )
    const before = dns.queries.length
    const moved = (await call("PATCH", `/domains/${domain.id}`, { custom_return_path: "rp" })).body
      .domain as DomainWire
    expect(dns.queries.length).toBeGreaterThan(before)
    expect(moved.status).toBe("verified")
    expect(moved.dnsRecords.find((r) => r.purpose === "spf")).toMatchObject({
      name: "rp.moving.test",
      status: "pending"
    })
    dns.publish("rp.moving.test", "TXT", "v=spf1 ip4:127.0.0.1 ~all")
    dns.publish("rp.moving.test", "MX", TEST_MAIL_HOSTS.mxHost)
    const settled = (await call("POST", `/domains/${domain.id}/verify`)).body.domain as DomainWire
    expect(settled.dnsRecords.filter((r) => r.required).every((r) => r.verified)).toBe(true)
    expect((await call("PATCH", `/domains/${domain.id}`, { tracking_domain: "rp.moving.test" })).status).toBe(
      422
    )
  })

  it("gives sending keys 403 on domain management", async () => {
    const sending = await call("POST", "/api-keys", { name: "s", permission: "sending_access" })
    const res = await call("GET", "/domains", undefined, String(sending.body.key))
    expect(res).toMatchObject({ status: 403, body: { code: "forbidden" } })
  })
})
