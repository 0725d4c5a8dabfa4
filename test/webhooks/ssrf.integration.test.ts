import { PgDatabase } from "@poststack/adapters-persistence"
import { WorkerLive, webhookJobs } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../support/webhookReceiver.js"
import { dispatcherSettings, noTasks } from "../support/webhookWorker.js"
import { callApi } from "../support/api.js"

describe("webhooks never reach private addresses (loopback not allowed)", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let receiver: WebhookReceiver
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>
  let key: string
  let teamId: number

  const call = (method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, key, method, path, body)
  const attemptsOf = (webhookId: number) =>
    query<{ error: string | null; status_code: number | null }>(
      db.url,
      "SELECT a.error, a.status_code FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.webhook_id = $1",
      [webhookId]
    )

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    receiver = await startWebhookReceiver()
    // The production default: no loopback.
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    key = (await server.bootstrap()) ?? ""
    const [row] = await query<{ team_id: number }>(db.url, "SELECT team_id FROM api_keys LIMIT 1")
    teamId = row?.team_id ?? 0
    const services = testServices({ dnsServers: [dns.address] }).pipe(
      Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 3 }))
    )
    const jobs = webhookJobs(
      Effect.succeed(
        dispatcherSettings({
          retry: { baseDelayMs: 100, maxDelayMs: 200, windowMs: 60_000 },
          maxInFlight: 10
        })
      )
    )
    worker = ManagedRuntime.make(WorkerLive.layer(noTasks, jobs).pipe(Layer.provide(services)))
    await worker.runPromise(Effect.void)
  })
  afterAll(async () => {
    await worker.dispose()
    await server.close()
    await receiver.close()
    await dns.close()
    await db.drop()
  })

  it("refuses every classic form of an internal target at registration with 422", async () => {
    dns.publish("loop.test", "A", "127.0.0.1")
    dns.publish("intranet.test", "A", "10.0.0.5")
    dns.publish("mixed.test", "A", "93.184.216.34")
    dns.publish("mixed.test", "A", "192.168.1.10")
    const port = new URL(receiver.url("/")).port
    const urls = [
      `http://127.0.0.1:${port}/`,
      "http://localhost/",
      "http://sub.localhost/",
      "http://[::1]/",
      "http://0x7f000001/",
      "http://2130706433/",
      "http://0177.0.0.1/",
      "http://127.1/",
      "http://10.0.0.1/",
      "http://172.16.5.4/",
      "http://192.168.0.1/",
      "http://100.64.0.1/",
      "http://169.254.169.254/latest/meta-data/",
      "http://[fd00:ec2::254]/",
      "http://[fe80::1]/",
      "http://[fc00::1]/",
      "http://0.0.0.0/",
      "http://[::]/",
      "http://224.0.0.1/",
      "http://[::ffff:127.0.0.1]/",
      "http://[::ffff:a00:1]/",
      "ftp://example.com/",
      "file:///etc/passwd",
      "gopher://example.com/",
      "http://user:pass@example.com/",
      `http://loop.test:${port}/`,
      "http://intranet.test/",
      "http://mixed.test/"
    ]
    for (const url of urls) {
      expect(await call("POST", "/webhooks", { url, events: ["*"] }), url).toMatchObject({
        status: 422,
        body: { code: "unprocessable_entity" }
      })
    }
    expect((await query(db.url, "SELECT id FROM webhooks")).length).toBe(0)
    // A public name is fine; changing it to an internal one is refused the same way.
    dns.publish("hooks.example.test", "A", "93.184.216.34")
    const ok = await call("POST", "/webhooks", { url: "https://hooks.example.test/in", events: ["*"] })
    expect(ok.status).toBe(201)
    const id = (ok.body.webhook as { id: number }).id
    expect(await call("PATCH", `/webhooks/${id}`, { url: "http://169.254.169.254/" })).toMatchObject({
      status: 422
    })
    expect((await call("GET", `/webhooks/${id}`)).body.webhook).toMatchObject({
      url: "https://hooks.example.test/in"
    })
    await call("DELETE", `/webhooks/${id}`)
  })

  it("checks the address actually connected to: a name rebound to 127.0.0.1 after registration gets nothing", async () => {
    dns.publish("rebind.test", "A", "93.184.216.34")
    const port = new URL(receiver.url("/")).port
    const created = await call("POST", "/webhooks", {
      url: `http://rebind.test:${port}/rebound`,
      events: ["ssrf.check"]
    })
    expect(created.status).toBe(201)
    const id = (created.body.webhook as { id: number }).id
    dns.unpublish("rebind.test")
    dns.publish("rebind.test", "A", "127.0.0.1")
    await query(db.url, "INSERT INTO events (team_id, type, payload) VALUES ($1, 'ssrf.check', '{}')", [
      teamId
    ])
    const attempts = await eventually(
      () => attemptsOf(id),
      (a) => a.length >= 2
    )
    expect(attempts[0]).toMatchObject({ status_code: null, error: expect.stringContaining("loopback") })
    expect(receiver.received).toHaveLength(0)
    // The test route goes through the same guard.
    expect((await call("POST", `/webhooks/${id}/test`)).body).toMatchObject({
      success: false,
      status_code: null
    })
    expect(receiver.received).toHaveLength(0)
  })

  it("refuses a literal internal address at connect time too (a row registered while loopback was allowed)", async () => {
    dns.publish("later.test", "A", "93.184.216.34")
    const created = await call("POST", "/webhooks", { url: "http://later.test/", events: ["ssrf.literal"] })
    const id = (created.body.webhook as { id: number }).id
    await query(db.url, "UPDATE webhooks SET url = $1 WHERE id = $2", [receiver.url("/literal"), id])
    await query(db.url, "INSERT INTO events (team_id, type, payload) VALUES ($1, 'ssrf.literal', '{}')", [
      teamId
    ])
    const [attempt] = await eventually(
      () => attemptsOf(id),
      (a) => a.length >= 1
    )
    expect(attempt).toMatchObject({ status_code: null, error: expect.stringContaining("loopback") })
    expect(receiver.received).toHaveLength(0)
  })
})
