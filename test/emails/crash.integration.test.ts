import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launch, type Running } from "../apps/processes.js"
import { createTestDatabase, query } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { startTestServer, TEST_ENCRYPTION_KEY, type TestServer } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"

describe("a worker stopped in the middle of delivering", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  let server: TestServer
  const running: Array<Running> = []

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    const key = (await server.bootstrap()) ?? ""
    const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
    await addVerifiedDomain(server.baseUrl, key, dns, "crash.test")
    dns.publish("receiver.test", "MX", "mx.receiver.test")
    dns.publish("mx.receiver.test", "A", "127.0.0.1")
    const sent = await fetch(`${server.baseUrl}/emails`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        from: "a@crash.test",
        to: ["victim@receiver.test"],
        subject: "Survive",
        text: "Hello"
      })
    })
    expect(sent.status).toBe(202)
  })
  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL")
    await server.close()
    await sink.close()
    await dns.close()
    await db.drop()
  })

  it("SIGKILL loses nothing: the message is delivered after the lease, with the Message-ID it was given", async () => {
    const env = {
      DATABASE_URL: db.url,
      POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      POSTSTACK_DNS_SERVERS: dns.address,
      POSTSTACK_MX_PORT: String(sink.port),
      POSTSTACK_SMTP_ALLOW_PRIVATE_MX: "true",
      POSTSTACK_DELIVERY_LEASE_MS: "3000"
    }
    sink.dataDelayMs = 5_000
    const first = launch("apps/worker/src/main.ts", env)
    running.push(first)
    const deadline = Date.now() + 30_000
    while (sink.dataStarted() === 0) {
      if (Date.now() > deadline) throw new Error(`the worker never started DATA:\n${first.output()}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(await first.stop("SIGKILL")).toBeNull()
    sink.dataDelayMs = 0

    const second = launch("apps/worker/src/main.ts", env)
    running.push(second)
    const until = Date.now() + 30_000
    for (;;) {
      const [row] = await query<{ status: string }>(db.url, "SELECT status FROM emails")
      if (row?.status === "delivered") break
      if (Date.now() > until) throw new Error(`not delivered: ${row?.status}\n${second.output()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    await second.stop("SIGTERM")
    const [email] = await query<{ message_id: string }>(db.url, "SELECT message_id FROM emails")
    // The killed worker was inside DATA: its copy may or may not have been kept by the receiver, so
    // one or two copies arrive, never none, and every copy is the same message.
    expect(sink.received.length).toBeGreaterThanOrEqual(1)
    expect(sink.received.length).toBeLessThanOrEqual(2)
    for (const copy of sink.received)
      expect(copy.raw.toString()).toContain(`Message-ID: ${email?.message_id}`)
    const [delivery] = await query<{ attempts: number }>(db.url, "SELECT attempts FROM deliveries")
    expect(delivery?.attempts).toBe(2)
  }, 90_000)

  it("SIGTERM drains: the round in flight finishes and is recorded, nothing is sent twice", async () => {
    // A second email for the same verified domain, queued directly.
    const [email] = await query<{ id: string }>(
      db.url,
      "INSERT INTO emails (public_id, team_id, domain_id, from_address, to_addresses, subject, text_body, message_id, status, test_mode) SELECT 'em_drain', team_id, domain_id, 'a@crash.test', ARRAY['drain@receiver.test'], 'Drain', 'Hello', '<drain@crash.test>', 'queued', false FROM emails LIMIT 1 RETURNING id"
    )
    await query(
      db.url,
      "INSERT INTO deliveries (email_id, team_id, recipient, kind, status) SELECT $1, team_id, 'drain@receiver.test', 'to', 'queued' FROM emails WHERE id = $1",
      [email?.id]
    )
    sink.dataDelayMs = 2_000
    const worker = launch("apps/worker/src/main.ts", {
      DATABASE_URL: db.url,
      POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      POSTSTACK_DNS_SERVERS: dns.address,
      POSTSTACK_MX_PORT: String(sink.port),
      POSTSTACK_SMTP_ALLOW_PRIVATE_MX: "true"
    })
    running.push(worker)
    const started = sink.dataStarted()
    const deadline = Date.now() + 30_000
    while (sink.dataStarted() === started) {
      if (Date.now() > deadline) throw new Error(`the worker never started DATA:\n${worker.output()}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(await worker.stop("SIGTERM")).toBe(0)
    sink.dataDelayMs = 0
    expect(sink.received.filter((m) => m.to.includes("drain@receiver.test"))).toHaveLength(1)
    const [delivery] = await query<{ status: string; attempts: number }>(
      db.url,
      "SELECT status, attempts FROM deliveries WHERE recipient = 'drain@receiver.test'"
    )
    expect(delivery).toEqual({ status: "delivered", attempts: 1 })
  }, 60_000)
})
