import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { sdk, failure } from "../support/sdkClient.js"
import { startTestServer, type TestServer } from "../support/server.js"

describe("the suppression list over HTTP", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let key: string
  let client: ReturnType<typeof sdk>

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    key = (await server.bootstrap()) ?? ""
    client = sdk(key, { baseUrl: server.baseUrl })
    await addVerifiedDomain(server.baseUrl, key, dns, "supp.test")
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("adds, lists with page meta, and removes an address given URL-encoded, as the SDK does", async () => {
    expect(await client.suppressions.add({ email: "a+b@Example.com", reason: "manual" })).toEqual({
      success: true
    })
    await client.suppressions.add({ email: "second@example.com", reason: "complaint" })
    await client.suppressions.add({ email: "third@example.com", reason: "unsubscribe" })
    // Adding an address again is harmless and keeps the first entry.
    await client.suppressions.add({ email: "A+B@example.com", reason: "hard_bounce" })

    const all = await client.suppressions.list()
    expect(all.meta).toEqual({ page: 1, perPage: 20, total: 3, totalPages: 1 })
    expect(all.data.map((s) => [s.email, s.reason])).toEqual([
      ["third@example.com", "unsubscribe"],
      ["second@example.com", "complaint"],
      ["a+b@example.com", "manual"]
    ])
    expect(all.data[0]).toMatchObject({ id: expect.any(Number), createdAt: expect.any(String) })

    const page2 = await client.suppressions.list({ page: 2, per_page: 2 })
    expect(page2.meta).toEqual({ page: 2, perPage: 2, total: 3, totalPages: 2 })
    expect(page2.data.map((s) => s.email)).toEqual(["a+b@example.com"])

    expect(await client.suppressions.remove("A+B@example.com")).toMatchObject({ success: true })
    expect((await client.suppressions.list()).meta.total).toBe(2)
    expect(await failure(client.suppressions.remove("a+b@example.com"))).toMatchObject({
      status: 404,
      code: "not_found"
    })
  })

  it("refuses a bad address or reason with the contract's codes", async () => {
    expect(
      await failure(client.suppressions.add({ email: "not an address", reason: "manual" }))
    ).toMatchObject({
      status: 422,
      code: "unprocessable_entity"
    })
    expect(await failure(client.suppressions.add({ email: "x@example.com", reason: "bored" }))).toMatchObject(
      {
        status: 400,
        code: "invalid_request"
      }
    )
    expect(
      await failure(client.suppressions.add({ email: "x@example.com" } as { email: string; reason: string }))
    ).toMatchObject({ status: 400, code: "invalid_request" })
    expect(await failure(client.suppressions.list({ per_page: 101 }))).toMatchObject({ status: 400 })
  })

  it("keeps each team's list to itself", async () => {
    const otherKey = await insertTeamWithKey(db.url, "other team")
    const other = sdk(otherKey, { baseUrl: server.baseUrl })
    expect((await other.suppressions.list()).meta.total).toBe(0)
    expect(await failure(other.suppressions.remove("second@example.com"))).toMatchObject({ status: 404 })
    await other.suppressions.add({ email: "second@example.com", reason: "manual" })
    expect((await other.suppressions.list()).data.map((s) => s.reason)).toEqual(["manual"])
    await other.suppressions.remove("second@example.com")
    // Ours is untouched by the other team's add and remove of the same address.
    const ours = await client.suppressions.list()
    expect(ours.data.find((s) => s.email === "second@example.com")?.reason).toBe("complaint")
  })

  it("is a management route: a sending key gets 403", async () => {
    const sending = await client.apiKeys.create({ name: "sender", permission: "sending_access" })
    const limited = sdk(sending.key ?? "", { baseUrl: server.baseUrl })
    for (const call of [
      () => limited.suppressions.list(),
      () => limited.suppressions.add({ email: "y@example.com", reason: "manual" }),
      () => limited.suppressions.remove("second@example.com")
    ]) {
      expect(await failure(call())).toMatchObject({ status: 403, code: "forbidden" })
    }
  })

  it("stops a send to a listed address and names the entry that stopped it", async () => {
    const entry = (await client.suppressions.list()).data.find((s) => s.email === "third@example.com")
    const res = await fetch(`${server.baseUrl}/emails`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        from: "news@supp.test",
        to: ["THIRD@example.com", "fresh@example.com"],
        subject: "Hi",
        text: "Hello"
      })
    })
    expect(res.status).toBe(202)
    const { id } = (await res.json()) as { id: string }
    const events = await query<{ event_type: string; metadata: Record<string, unknown> }>(
      db.url,
      "SELECT ev.event_type, ev.metadata FROM email_events ev JOIN emails e ON e.id = ev.email_id WHERE e.public_id = $1 ORDER BY ev.id",
      [id]
    )
    expect(events.find((e) => e.event_type === "suppressed")?.metadata).toEqual({
      recipient: "THIRD@example.com",
      reason: "unsubscribe",
      suppression_id: entry?.id
    })
    const deliveries = await query<{ recipient: string; status: string }>(
      db.url,
      "SELECT d.recipient, d.status FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE e.public_id = $1 ORDER BY d.id",
      [id]
    )
    expect(deliveries.map((d) => d.status)).toEqual(["suppressed", "queued"])
  })
})
