import { PgDatabase } from "@poststack/adapters-persistence"
import { DeliveryQueue, type PeriodicTask } from "@poststack/application"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"

const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []

describe("many workers on one database", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  let server: TestServer
  let key: string

  const services = () =>
    testServices({ dnsServers: [dns.address], mxPort: sink.port, allowPrivateMx: true }).pipe(
      Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 }))
    )
  const startWorker = () =>
    ManagedRuntime.make(WorkerLive.layer(noTasks, jobs).pipe(Layer.provide(services())))
  const sendBatch = async (count: number, tag: string) => {
    for (let offset = 0; offset < count; offset += 100) {
      const emails = Array.from({ length: Math.min(100, count - offset) }, (_, i) => ({
        from: "bulk@workers.test",
        to: [`r${offset + i}@receiver.test`],
        subject: `Message ${offset + i}`,
        text: "Hello",
        tags: [tag]
      }))
      const res = await fetch(`${server.baseUrl}/emails/batch`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ emails })
      })
      expect(res.status).toBe(202)
    }
  }
  const waitForAll = async (tag: string, count: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const [row] = await query<{ n: number }>(
        db.url,
        "SELECT count(*)::int AS n FROM emails WHERE $1 = ANY (tags) AND status = 'delivered'",
        [tag]
      )
      if ((row?.n ?? 0) >= count) return
      if (Date.now() > deadline) throw new Error(`only ${row?.n} of ${count} delivered`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    server = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      rateLimit: { limit: 10_000, windowMs: 1000 }
    })
    key = (await server.bootstrap()) ?? ""
    await addVerifiedDomain(server.baseUrl, key, dns, "workers.test")
    dns.publish("receiver.test", "MX", "mx.receiver.test")
    dns.publish("mx.receiver.test", "A", "127.0.0.1")
  })
  afterAll(async () => {
    await server.close()
    await sink.close()
    await dns.close()
    await db.drop()
  })

  it("three workers deliver a thousand messages, each exactly once", async () => {
    await sendBatch(1000, "thousand")
    const workers = [startWorker(), startWorker(), startWorker()]
    const started = Date.now()
    await Promise.all(workers.map((w) => w.runPromise(Effect.void)))
    try {
      await waitForAll("thousand", 1000, 120_000)
    } finally {
      await Promise.all(workers.map((w) => w.dispose()))
    }
    const seconds = (Date.now() - started) / 1000
    const recipients = sink.received.flatMap((m) => m.to).filter((r) => /^r\d+@receiver\.test$/.test(r))
    expect(recipients).toHaveLength(1000)
    expect(new Set(recipients).size).toBe(1000)
    const attempts = await query<{ attempts: number; n: number }>(
      db.url,
      "SELECT attempts, count(*)::int AS n FROM deliveries GROUP BY attempts"
    )
    // Each was claimed once; only a deferral (a slow DNS answer on a loaded machine) may add a
    // second attempt, and never a second copy (checked above).
    expect(attempts.reduce((n, a) => n + a.n, 0)).toBe(1000)
    const deferred = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM email_events WHERE event_type = 'deferred'"
    )
    expect(attempts.reduce((n, a) => n + (a.attempts - 1) * a.n, 0)).toBe(deferred[0]?.n)
    console.log(
      `three workers delivered 1000 messages in ${seconds.toFixed(1)} s (${(1000 / seconds).toFixed(0)}/s)`
    )
  }, 180_000)

  it("gives a crashed worker's claims to another worker once the lease runs out", async () => {
    sink.received.length = 0
    await sendBatch(20, "crash")
    // A worker claims everything and dies before recording anything.
    const crashed = ManagedRuntime.make(services())
    const claimed = await crashed.runPromise(
      Effect.flatMap(DeliveryQueue, (q) =>
        q.claim({ now: new Date(), limit: 100, leaseMs: 1_500, testMode: false })
      )
    )
    await crashed.dispose()
    expect(claimed).toHaveLength(20)
    const survivor = startWorker()
    await survivor.runPromise(Effect.void)
    try {
      await new Promise((r) => setTimeout(r, 800))
      // Still leased: nobody may touch them yet.
      expect(sink.received).toHaveLength(0)
      await waitForAll("crash", 20, 20_000)
    } finally {
      await survivor.dispose()
    }
    expect(sink.received.flatMap((m) => m.to)).toHaveLength(20)
    const [row] = await query<{ attempts: number }>(
      db.url,
      "SELECT max(attempts)::int AS attempts FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE 'crash' = ANY (e.tags)"
    )
    expect(row?.attempts).toBe(2)
  }, 60_000)
})
