import { Resolver } from "node:dns/promises"
import { PgDatabase } from "@poststack/adapters-persistence"
import type { PeriodicTask } from "@poststack/application"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { authenticate } from "mailauth"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectStoredEventsDecode } from "../support/storedEvents.js"
import { createTestDatabase, query } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import { callApi } from "../support/api.js"

const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []

describe("delivery to the recipient's MX", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  let server: TestServer
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>
  let key: string

  const call = (method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, key, method, path, body)
  const send = async (to: string, extra: Record<string, unknown> = {}) => {
    const res = await call("POST", "/emails", {
      from: "Shop <orders@deliver.test>",
      to: [to],
      subject: "Your order",
      html: "<h1>Thanks</h1><p>See you soon.</p>",
      ...extra
    })
    expect(res.status).toBe(202)
    return String(res.body.id)
  }
  const statusOf = async (id: string) =>
    ((await call("GET", `/emails/${id}`)).body.email as { status: string }).status
  const eventsOf = async (id: string) =>
    (await call("GET", `/emails/${id}/events`)).body.events as Array<{
      eventType: string
      metadata: Record<string, unknown>
    }>
  const waitUntil = async (id: string, done: (status: string) => boolean) => {
    const deadline = Date.now() + 15_000
    for (;;) {
      const status = await statusOf(id)
      if (done(status)) return status
      if (Date.now() > deadline) throw new Error(`email ${id} still ${status}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    key = (await server.bootstrap()) ?? ""
    const created = await call("POST", "/domains", { name: "deliver.test" })
    const domain = created.body.domain as {
      id: number
      dnsRecords: Array<{ type: string; name: string; value: string }>
    }
    for (const r of domain.dnsRecords) dns.publish(r.name, r.type as "TXT" | "MX" | "CNAME", r.value)
    expect(
      ((await call("POST", `/domains/${domain.id}/verify`)).body.domain as { status: string }).status
    ).toBe("verified")
    // Recipient domains: one with an MX, one with only an address (implicit MX), one with a null MX.
    dns.publish("receiver.test", "MX", "mx1.receiver.test")
    dns.publish("mx1.receiver.test", "A", "127.0.0.1")
    dns.publish("implicit.test", "A", "127.0.0.1")
    dns.publish("nullmx.test", "MX", ".")
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, jobs).pipe(
        Layer.provide(testServices({ dnsServers: [dns.address], mxPort: sink.port, allowPrivateMx: true })),
        Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 }))
      )
    )
    await worker.runPromise(Effect.void)
  })
  afterAll(async () => {
    await worker.dispose()
    await server.close()
    await sink.close()
    await dns.close()
    await db.drop()
  })

  it("asks DNS once for a burst of mail to one domain, and again when its address records' TTL has passed", async () => {
    dns.publish("burst.test", "MX", "mx.burst.test")
    // A TTL with room for a busy machine, where three deliveries one after the other outlasted 2 s.
    dns.publish("mx.burst.test", "A", "127.0.0.1", 6)
    const asked = () => dns.queries.filter((q) => q === "MX burst.test").length
    for (const to of ["a@burst.test", "b@burst.test", "c@burst.test"])
      expect(await waitUntil(await send(to), (s) => s === "delivered")).toBe("delivered")
    expect(asked()).toBe(1)
    await new Promise((r) => setTimeout(r, 6_100))
    expect(await waitUntil(await send("d@burst.test"), (s) => s === "delivered")).toBe("delivered")
    expect(asked()).toBe(2)
  })

  it("delivers over SMTP with STARTTLS, DKIM-signed so that DKIM, SPF and DMARC pass at the receiver", async () => {
    const id = await send("alice@receiver.test")
    expect(await waitUntil(id, (s) => s === "delivered")).toBe("delivered")
    const got = sink.received.find((m) => m.to.includes("alice@receiver.test"))
    expect(got).toBeDefined()
    expect(got?.secure).toBe(true)
    expect(got?.from).toMatch(/^b\d+\.[0-9a-f]{12}@bounces\.deliver\.test$/)
    const raw = got?.raw.toString() ?? ""
    expect(raw).toMatch(/^DKIM-Signature: /m)
    expect(raw).toMatch(/^Message-ID: <[0-9a-f-]{36}@deliver\.test>/m)
    expect(raw).toContain("Content-Type: text/plain")
    expect(raw).toContain("THANKS")
    const resolver = new Resolver()
    resolver.setServers([dns.address])
    const auth = await authenticate(got?.raw ?? Buffer.alloc(0), {
      ip: "127.0.0.1",
      helo: "mta.poststack.test",
      mta: "mx1.receiver.test",
      sender: got?.from ?? "",
      resolver: (name: string, type: string) => resolver.resolve(name, type as "TXT"),
      disableArc: true,
      disableBimi: true
    })
    expect(auth.dkim.results[0]?.status.result).toBe("pass")
    expect(auth.spf === false ? undefined : auth.spf.status.result).toBe("pass")
    expect(auth.dmarc === false ? undefined : auth.dmarc.status.result).toBe("pass")
    const events = await eventsOf(id)
    expect(events.map((e) => e.eventType)).toEqual(["queued", "sent", "delivered"])
    expect(events[2]?.metadata).toMatchObject({
      mx: "mx1.receiver.test",
      reply: expect.stringMatching(/^250 /)
    })
    expect(
      ((await call("GET", `/emails/${id}`)).body.email as { sentAt: string | null }).sentAt
    ).not.toBeNull()
    // Each step also went to the outbox that webhooks read, with what a receiver needs.
    const outbox = await query<{ type: string; payload: Record<string, unknown> }>(
      db.url,
      "SELECT type, payload FROM events WHERE payload->>'email_id' = $1 ORDER BY id",
      [id]
    )
    expect(outbox.map((e) => e.type)).toEqual(["email.queued", "email.sent", "email.delivered"])
    expect(outbox[0]?.payload).toEqual({
      email_id: id,
      from: "Shop <orders@deliver.test>",
      to: ["alice@receiver.test"],
      subject: "Your order",
      tags: [],
      test_mode: false,
      created_at: expect.any(String)
    })
    expect(outbox[2]?.payload).toMatchObject({
      email_id: id,
      from: "Shop <orders@deliver.test>",
      to: ["alice@receiver.test"],
      subject: "Your order",
      recipient: "alice@receiver.test",
      reply: expect.stringMatching(/^250 /)
    })
  })

  it("marks an email to many recipients delivered once every copy is in, however the copies race", async () => {
    const many = (prefix: string) => Array.from({ length: 10 }, (_, i) => `${prefix}${i}@receiver.test`)
    const id = await send("many0@receiver.test", { to: many("many"), cc: many("copy"), bcc: many("blind") })
    expect(await waitUntil(id, (s) => s !== "queued" && s !== "sending")).toBe("delivered")
    const deliveries = await query<{ status: string }>(
      db.url,
      "SELECT d.status FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE e.public_id = $1",
      [id]
    )
    expect(deliveries.map((d) => d.status)).toEqual(Array(30).fill("delivered"))
  })

  it("sends from the domain's dedicated IP once it is pinned to one", async () => {
    const domains = (await call("GET", "/domains")).body.domains as Array<{ id: number }>
    const domainId = domains[0]?.id
    const [ip] = await query<{ id: number }>(
      db.url,
      "INSERT INTO ip_addresses (address) VALUES ('127.0.0.2') RETURNING id"
    )
    expect((await call("POST", `/domains/${domainId}/ip`, { ipAddressId: ip?.id })).status).toBe(200)
    try {
      const id = await send("pinned@receiver.test")
      expect(await waitUntil(id, (s) => s === "delivered")).toBe("delivered")
      expect(sink.received.find((m) => m.to.includes("pinned@receiver.test"))?.remoteAddress).toBe(
        "127.0.0.2"
      )
    } finally {
      await call("DELETE", `/domains/${domainId}/ip`)
    }
    const unpinned = await send("unpinned@receiver.test")
    expect(await waitUntil(unpinned, (s) => s === "delivered")).toBe("delivered")
    expect(sink.received.find((m) => m.to.includes("unpinned@receiver.test"))?.remoteAddress).toBe(
      "127.0.0.1"
    )
  })

  it("falls back to the domain's own address when it has no MX", async () => {
    const id = await send("bob@implicit.test")
    expect(await waitUntil(id, (s) => s === "delivered")).toBe("delivered")
  })

  it("bounces on a null MX and on a 5xx reply, and suppresses the hard-bounced address", async () => {
    const nullMx = await send("nobody@nullmx.test")
    expect(await waitUntil(nullMx, (s) => s === "bounced")).toBe("bounced")
    sink.replies.set("gone@receiver.test", "550 5.1.1 no such user")
    const hard = await send("gone@receiver.test")
    expect(await waitUntil(hard, (s) => s === "bounced")).toBe("bounced")
    const events = await eventsOf(hard)
    expect(events.at(-1)).toMatchObject({
      eventType: "bounced",
      metadata: { reply: expect.stringMatching(/^550 /), hard: true }
    })
    const suppressed = await query<{ reason: string }>(
      db.url,
      "SELECT reason FROM suppressions WHERE email = 'gone@receiver.test'"
    )
    expect(suppressed).toEqual([{ reason: "hard_bounce" }])
    const outbox = await query<{ type: string; payload: Record<string, unknown> }>(
      db.url,
      "SELECT type, payload FROM events WHERE payload->>'email_id' = $1 AND type = 'email.bounced'",
      [hard]
    )
    expect(outbox[0]?.payload).toMatchObject({ recipient: "gone@receiver.test", hard: true })
    // The next send to that address never leaves.
    const again = await send("gone@receiver.test")
    // Stored as suppressed; shown with the SDK's `failed`.
    expect(await statusOf(again)).toBe("failed")
    expect(
      await query<{ status: string }>(db.url, "SELECT status FROM emails WHERE public_id = $1", [again])
    ).toEqual([{ status: "suppressed" }])
  })

  it("defers on a 4xx reply with a retry time, then delivers when the receiver accepts", async () => {
    sink.replies.set("later@receiver.test", "451 4.7.1 greylisted, try again")
    const id = await send("later@receiver.test")
    expect(await waitUntil(id, (s) => s === "deferred")).toBe("deferred")
    const deferred = (await eventsOf(id)).find((e) => e.eventType === "deferred")
    expect(deferred?.metadata).toMatchObject({
      reply: expect.stringMatching(/^451 /),
      next_attempt_at: expect.any(String)
    })
    const [row] = await query<{ next_attempt_at: Date; attempts: number }>(
      db.url,
      "SELECT d.next_attempt_at, d.attempts FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE e.public_id = $1",
      [id]
    )
    expect(row?.attempts).toBe(1)
    expect((row?.next_attempt_at.getTime() ?? 0) - Date.now()).toBeGreaterThan(50_000)
    // The receiver relents, and the retry comes due.
    sink.replies.delete("later@receiver.test")
    await query(db.url, "UPDATE deliveries SET next_attempt_at = now() WHERE status = 'deferred'")
    expect(await waitUntil(id, (s) => s === "delivered")).toBe("delivered")
    expect((await eventsOf(id)).map((e) => e.eventType)).toEqual(["queued", "deferred", "sent", "delivered"])
  })

  it("reports inbox placement from the outcomes so far, with the signals behind refusals", async () => {
    const domains = (await call("GET", "/domains")).body.domains as Array<{ id: number }>
    const placement = (await call("GET", `/domains/${domains[0]?.id}/placement?days=7`)).body as {
      windowDays: number
      totals: { sent: number; accepted: number; bounced: number; acceptanceRate: number | null }
      recipientSignals: Array<{ bucket: string; ownership: string; code: string | null; messages: number }>
      providers: Array<{ provider: string }>
    }
    expect(placement.windowDays).toBe(7)
    expect(placement.totals.accepted).toBeGreaterThanOrEqual(2)
    expect(placement.totals.bounced).toBeGreaterThanOrEqual(2)
    expect(placement.totals.acceptanceRate).toBeCloseTo(placement.totals.accepted / placement.totals.sent, 3)
    expect(placement.recipientSignals).toContainEqual(
      expect.objectContaining({ bucket: "recipient", ownership: "recipient", code: "5.1.1" })
    )
    expect(placement.providers.map((p) => p.provider)).toEqual(["other"])
  })

  it("defers when no mail server answers, and fails once retries are exhausted", async () => {
    dns.publish("dead.test", "MX", "mx.dead.test")
    dns.publish("mx.dead.test", "A", "127.0.0.2")
    const id = await send("someone@dead.test")
    expect(await waitUntil(id, (s) => s === "deferred")).toBe("deferred")
    // Three days later: the delivery's age is past the maximum.
    await query(
      db.url,
      "UPDATE deliveries SET created_at = now() - interval '4 days', next_attempt_at = now() WHERE recipient = 'someone@dead.test'"
    )
    expect(await waitUntil(id, (s) => s === "failed")).toBe("failed")
    expect((await eventsOf(id)).at(-1)).toMatchObject({
      eventType: "failed",
      metadata: { reason: "retries exhausted" }
    })
  })

  it("stores every event it produced as the contract's typed events", async () => {
    await expectStoredEventsDecode(db.url, [
      "email.queued",
      "email.sent",
      "email.delivered",
      "email.deferred",
      "email.bounced",
      "email.failed"
    ])
  })
})

describe("delivery through a smart host", () => {
  it("hands every message to the relay, without MX lookups", async () => {
    const db = await createTestDatabase()
    const dns = await startDnsServer()
    const relay = await startSmtpSink()
    const server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    const worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, jobs).pipe(
        Layer.provide(
          testServices({ dnsServers: [dns.address], relayUrl: `smtp://127.0.0.1:${relay.port}` })
        ),
        Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 3 }))
      )
    )
    try {
      const key = (await server.bootstrap()) ?? ""
      const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
      await addVerifiedDomain(server.baseUrl, key, dns, "relayed.test")
      // No DNS at all for the recipient's domain: only the relay can take this mail.
      const res = await fetch(`${server.baseUrl}/emails`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          from: "a@relayed.test",
          to: ["someone@nowhere.test"],
          subject: "Via relay",
          text: "Hi"
        })
      })
      const id = ((await res.json()) as { id: string }).id
      await worker.runPromise(Effect.void)
      const deadline = Date.now() + 15_000
      for (;;) {
        const [row] = await query<{ status: string }>(
          db.url,
          "SELECT status FROM emails WHERE public_id = $1",
          [id]
        )
        if (row?.status === "delivered") break
        if (Date.now() > deadline) throw new Error(`not delivered: ${row?.status}`)
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(relay.received.map((m) => m.to)).toEqual([["someone@nowhere.test"]])
      expect(dns.queries.filter((q) => q.includes("nowhere.test"))).toEqual([])
    } finally {
      await worker.dispose()
      await server.close()
      await relay.close()
      await dns.close()
      await db.drop()
    }
  })
})
