import { PgDatabase } from "@poststack/adapters-persistence"
import type { PeriodicTask } from "@poststack/application"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectStoredEventsDecode } from "../support/storedEvents.js"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"

const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []

interface Res {
  status: number
  body: Record<string, unknown>
}

describe("/emails: accepting mail", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let liveKey: string
  let testKey: string
  let domainId: number

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    key = liveKey,
    headers: Record<string, string> = {}
  ): Promise<Res> => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const mail = (extra: Record<string, unknown> = {}) => ({
    from: "Acme <hello@send.test>",
    to: ["someone@example.com"],
    subject: "Welcome",
    html: "<p>Hi there</p>",
    ...extra
  })

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    liveKey = (await server.bootstrap()) ?? ""
    const created = await call("POST", "/domains", { name: "send.test" })
    const domain = created.body.domain as {
      id: number
      dnsRecords: Array<{ type: string; name: string; value: string }>
    }
    domainId = domain.id
    for (const r of domain.dnsRecords) dns.publish(r.name, r.type as "TXT" | "MX" | "CNAME", r.value)
    expect(
      ((await call("POST", `/domains/${domainId}/verify`)).body.domain as { status: string }).status
    ).toBe("verified")
    testKey = String(
      (await call("POST", "/api-keys", { name: "ci", permission: "sending_access", mode: "test" })).body.key
    )
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("accepts a send with 202, stores it with one delivery per recipient, and shows it back", async () => {
    const res = await call(
      "POST",
      "/emails",
      mail({ cc: "cc@example.com", bcc: ["bcc@example.com"], tags: ["welcome"], reply_to: "help@send.test" })
    )
    expect(res.status).toBe(202)
    expect(res.body).toEqual({ id: expect.stringMatching(/^em_[0-9a-f]{32}$/) })
    const id = String(res.body.id)
    const got = await call("GET", `/emails/${id}`)
    expect(got.status).toBe(200)
    expect(got.body.email).toMatchObject({
      publicId: id,
      fromAddress: "hello@send.test",
      fromName: "Acme",
      toAddresses: ["someone@example.com"],
      ccAddresses: ["cc@example.com"],
      bccAddresses: ["bcc@example.com"],
      replyTo: ["help@send.test"],
      subject: "Welcome",
      htmlBody: "<p>Hi there</p>",
      textBody: null,
      tags: ["welcome"],
      status: "queued",
      testMode: false,
      domainId,
      from: "Acme <hello@send.test>",
      to: ["someone@example.com"]
    })
    const email = got.body.email as { messageId: string; events: Array<{ eventType: string }> }
    expect(email.messageId).toMatch(/^<[0-9a-f-]{36}@send\.test>$/)
    expect(email.events.map((e) => e.eventType)).toEqual(["queued"])
    const rows = await query<{ recipient: string; kind: string; status: string }>(
      db.url,
      "SELECT d.recipient, d.kind, d.status FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE e.public_id = $1 ORDER BY d.id",
      [id]
    )
    expect(rows).toEqual([
      { recipient: "someone@example.com", kind: "to", status: "queued" },
      { recipient: "cc@example.com", kind: "cc", status: "queued" },
      { recipient: "bcc@example.com", kind: "bcc", status: "queued" }
    ])
    expect((await call("POST", "/emails/send", mail())).status).toBe(202)
  })

  it("refuses an unverified or foreign sending domain with 422, and a key scoped elsewhere with 403", async () => {
    expect(await call("POST", "/emails", mail({ from: "a@not-mine.test" }))).toMatchObject({
      status: 422,
      body: { code: "unprocessable_entity" }
    })
    await call("POST", "/domains", { name: "unverified.test" })
    expect((await call("POST", "/emails", mail({ from: "a@unverified.test" }))).status).toBe(422)
    const other = (await call("GET", "/domains")).body.domains as Array<{ id: number; name: string }>
    const unverified = other.find((d) => d.name === "unverified.test")
    const scoped = String(
      (
        await call("POST", "/api-keys", {
          name: "scoped",
          permission: "sending_access",
          domain_id: String(unverified?.id)
        })
      ).body.key
    )
    expect(await call("POST", "/emails", mail(), scoped)).toMatchObject({
      status: 403,
      body: { code: "forbidden" }
    })
  })

  it("validates every field with a clear error and stores nothing", async () => {
    const before = await query(db.url, "SELECT id FROM emails")
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [mail({ to: ["not-an-address"] }), 422, /to contains an invalid address/],
      [mail({ to: [] }), 422, /at least one recipient/],
      [mail({ subject: "Hi\r\nBcc: victim@example.com" }), 422, /line breaks/],
      [mail({ headers: { "X-Ok": "fine\r\nBcc: victim@example.com" } }), 422, /line breaks/],
      [mail({ headers: { From: "ceo@bank.test" } }), 422, /cannot be overridden/],
      [mail({ html: undefined }), 422, /html or text is required/],
      [mail({ from: "hello@send.test\r\nBcc: x@y.test" }), 422, /^from must be/],
      [mail({ attachments: [{ filename: "a.txt", content: "not base64!" }] }), 422, /base64/],
      [mail({ template_id: "tpl_1" }), 422, /Template not found/],
      [mail({ scheduled_at: "not a date" }), 400, /scheduled_at/],
      [{ to: ["a@example.com"], subject: "x", html: "y" }, 400, /from: is missing/],
      [mail({ to: 42 }), 400, /^to:/]
    ]
    for (const [body, status, message] of cases) {
      const res = await call("POST", "/emails", body)
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect(String(res.body.error)).toMatch(message)
    }
    expect(await query(db.url, "SELECT id FROM emails")).toHaveLength(before.length)
  })

  it("stores attachments, decoded", async () => {
    const content = Buffer.from("hello attachment").toString("base64")
    const res = await call(
      "POST",
      "/emails",
      mail({ attachments: [{ filename: "hello.txt", content, content_type: "text/plain" }] })
    )
    expect(res.status).toBe(202)
    const rows = await query<{ filename: string; content: Buffer }>(
      db.url,
      "SELECT a.filename, a.content FROM email_attachments a JOIN emails e ON e.id = a.email_id WHERE e.public_id = $1",
      [res.body.id]
    )
    expect(rows.map((r) => [r.filename, r.content.toString()])).toEqual([["hello.txt", "hello attachment"]])
  })

  it("replays an idempotent send, refuses a changed payload, and makes one email under concurrency", async () => {
    const first = await call("POST", "/emails", mail({ idempotency_key: "order-1" }))
    const again = await call("POST", "/emails", mail({ idempotency_key: "order-1" }))
    expect(again).toEqual({ status: 202, body: { id: first.body.id, replayed: true } })
    const changed = await call("POST", "/emails", mail({ idempotency_key: "order-1", subject: "Other" }))
    expect(changed).toMatchObject({ status: 422, body: { code: "unprocessable_entity" } })
    // The SDK's Idempotency-Key header dedupes transport retries of the same call.
    const viaHeader = await call("POST", "/emails", mail(), liveKey, { "Idempotency-Key": "retry-1" })
    const retried = await call("POST", "/emails", mail(), liveKey, { "Idempotency-Key": "retry-1" })
    expect(retried.body).toEqual({ id: viaHeader.body.id, replayed: true })
    const racing = await Promise.all(
      Array.from({ length: 10 }, () => call("POST", "/emails", mail({ idempotency_key: "race-1" })))
    )
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1)
    expect(racing.every((r) => r.status === 202)).toBe(true)
    expect(racing.filter((r) => r.body.replayed === true)).toHaveLength(9)
    expect(await query(db.url, "SELECT id FROM emails WHERE idempotency_key = 'b:race-1'")).toHaveLength(1)
  })

  it("does not send to suppressed recipients and says which entry stopped them", async () => {
    const [team] = await query<{ id: number }>(db.url, "SELECT id FROM teams ORDER BY id LIMIT 1")
    await query(
      db.url,
      "INSERT INTO suppressions (team_id, email, reason) VALUES ($1, 'Blocked@Example.com', 'hard_bounce')",
      [team?.id]
    )
    const mixed = await call("POST", "/emails", mail({ to: ["blocked@example.com", "fine@example.com"] }))
    const events = (await call("GET", `/emails/${mixed.body.id}/events`)).body.events as Array<{
      eventType: string
      metadata: unknown
    }>
    // `suppressed` is not in the SDK's event enum: the recipient `failed`, and the metadata says why.
    expect(events.map((e) => e.eventType)).toEqual(["queued", "failed"])
    expect(events[1]?.metadata).toEqual({
      recipient: "blocked@example.com",
      suppressed: true,
      reason: "hard_bounce",
      suppression_id: expect.any(Number)
    })
    const only = await call("POST", "/emails", mail({ to: ["blocked@example.com"] }))
    expect(((await call("GET", `/emails/${only.body.id}`)).body.email as { status: string }).status).toBe(
      "failed"
    )
    const [stored] = await query<{ status: string }>(
      db.url,
      "SELECT status FROM emails WHERE public_id = $1",
      [only.body.id]
    )
    expect(stored?.status).toBe("suppressed")
  })

  it("answers a batch element by element, in order, with 202 even when some fail", async () => {
    const res = await call("POST", "/emails/batch", {
      emails: [
        mail(),
        mail({ from: "x@not-mine.test" }),
        mail({ to: ["bad"] }),
        mail({ idempotency_key: "batch-1" })
      ]
    })
    expect(res.status).toBe(202)
    const data = res.body.data as Array<Record<string, unknown>>
    expect(data).toHaveLength(4)
    expect(data[0]).toEqual({ id: expect.stringMatching(/^em_/) })
    expect(data[1]).toMatchObject({
      code: "unprocessable_entity",
      error: expect.stringMatching(/not verified/)
    })
    expect(data[2]).toMatchObject({ code: "unprocessable_entity" })
    expect(data[3]).toEqual({ id: expect.stringMatching(/^em_/) })
    // Elements are accepted together; two with one idempotency key still make one email.
    const twice = await call("POST", "/emails/batch", {
      emails: [mail({ idempotency_key: "batch-twice" }), mail({ idempotency_key: "batch-twice" })]
    })
    const copies = twice.body.data as Array<Record<string, unknown>>
    expect(copies[0]?.id).toBe(copies[1]?.id)
    expect(copies.filter((c) => c.replayed === true)).toHaveLength(1)
    expect(await query(db.url, "SELECT id FROM emails WHERE idempotency_key = 'b:batch-twice'")).toHaveLength(
      1
    )
    const tooMany = await call("POST", "/emails/batch", { emails: Array.from({ length: 101 }, () => mail()) })
    expect(tooMany).toMatchObject({
      status: 422,
      body: { error: "Batch size exceeds limit", code: "unprocessable_entity" }
    })
  })

  it("lists newest first with filters and the SDK's page envelope", async () => {
    await call(
      "POST",
      "/emails",
      mail({ to: ["filter-me@example.org"], subject: "Invoice 42", tags: ["billing"] })
    )
    const page = await call("GET", "/emails?page=1&per_page=2")
    expect(page.body.meta).toMatchObject({
      page: 1,
      perPage: 2,
      total: expect.any(Number),
      totalPages: expect.any(Number)
    })
    expect((page.body.data as unknown[]).length).toBe(2)
    expect(page.body.data as Array<Record<string, unknown>>).not.toContainEqual(
      expect.objectContaining({ htmlBody: expect.anything() })
    )
    const byTo = (await call("GET", "/emails?to=FILTER-me")).body.data as Array<{ subject: string }>
    expect(byTo.map((e) => e.subject)).toEqual(["Invoice 42"])
    expect(((await call("GET", "/emails?tag=billing")).body.data as unknown[]).length).toBe(1)
    expect(((await call("GET", "/emails?subject=invoice")).body.data as unknown[]).length).toBe(1)
    // Stored statuses outside the SDK's enum are found under the status clients see for them.
    const failed = (await call("GET", "/emails?status=failed")).body.data as Array<{ status: string }>
    expect(failed.length).toBeGreaterThanOrEqual(1)
    expect(failed.every((e) => e.status === "failed")).toBe(true)
    // A stored name is no status a client can ask for: refused, never an empty page.
    expect(await call("GET", "/emails?status=suppressed")).toMatchObject({
      status: 400,
      body: { code: "invalid_request" }
    })
    expect(
      ((await call("GET", "/emails?date_from=2000-01-01&date_to=2000-01-02")).body.data as unknown[]).length
    ).toBe(0)
    expect((await call("GET", "/emails?per_page=101")).status).toBe(400)
  })

  it("schedules, reschedules and cancels before sending, and refuses afterwards", async () => {
    const at = new Date(Date.now() + 3600_000).toISOString()
    const res = await call("POST", "/emails", mail({ scheduled_at: at }))
    const id = String(res.body.id)
    // A scheduled email is `queued` with its `scheduledAt`, and a `queued` event saying it waits.
    const scheduled = (await call("GET", `/emails/${id}`)).body.email as {
      status: string
      scheduledAt: string
      events: Array<{ eventType: string; metadata: Record<string, unknown> }>
    }
    expect(scheduled).toMatchObject({ status: "queued", scheduledAt: at })
    expect(scheduled.events).toEqual([
      expect.objectContaining({ eventType: "queued", metadata: { scheduled: true, scheduled_at: at } })
    ])
    expect(
      ((await call("GET", "/emails?status=queued")).body.data as Array<{ publicId: string }>).map(
        (e) => e.publicId
      )
    ).toContain(id)
    const later = new Date(Date.now() + 7200_000).toISOString()
    expect(await call("PATCH", `/emails/${id}`, { scheduled_at: later })).toEqual({
      status: 200,
      body: { success: true }
    })
    expect(((await call("GET", `/emails/${id}`)).body.email as { scheduledAt: string }).scheduledAt).toBe(
      later
    )
    expect(await call("POST", `/emails/${id}/cancel`)).toEqual({ status: 200, body: { success: true } })
    const cancelled = (await call("GET", `/emails/${id}`)).body.email as {
      status: string
      events: Array<{ eventType: string }>
    }
    // `cancelled` stays the email's status (the contract leaves it open); its event is `failed`.
    expect(cancelled.status).toBe("cancelled")
    expect(cancelled.events.map((e) => e.eventType)).toEqual(["queued", "queued", "failed"])
    expect(cancelled.events.at(-1)).toMatchObject({ metadata: { cancelled: true } })
    expect((await call("POST", `/emails/${id}/cancel`)).status).toBe(422)
    expect((await call("PATCH", `/emails/${id}`, { scheduled_at: later })).status).toBe(422)
    expect((await call("POST", "/emails/em_doesnotexist/cancel")).status).toBe(404)
  })

  it("keeps other teams' mail out of reach", async () => {
    const mine = await call("POST", "/emails", mail())
    const otherKey = await insertTeamWithKey(db.url, "other")
    for (const [method, path] of [
      ["GET", `/emails/${mine.body.id}`],
      ["GET", `/emails/${mine.body.id}/events`],
      ["POST", `/emails/${mine.body.id}/cancel`]
    ] as const) {
      expect((await call(method, path, undefined, otherKey)).status, path).toBe(404)
    }
    expect(((await call("GET", "/emails", undefined, otherKey)).body.data as unknown[]).length).toBe(0)
    // Nor can they send from this team's verified domain.
    expect((await call("POST", "/emails", mail(), otherKey)).status).toBe(422)
  })

  it("runs test keys through the same pipeline and simulates every outcome", async () => {
    const send = async (to: string) => {
      const res = await call("POST", "/emails", mail({ to: [to] }), testKey)
      expect(res).toMatchObject({ status: 202, body: { test_mode: true } })
      return String(res.body.id)
    }
    const ids = {
      delivered: await send("someone@example.com"),
      bounced: await send("bounced@simulator.poststack.dev"),
      deferred: await send("deferred@simulator.poststack.dev"),
      complained: await send("complained@simulator.poststack.dev")
    }
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
    const statusOf = async (id: string) =>
      ((await call("GET", `/emails/${id}`)).body.email as { status: string }).status
    try {
      const deadline = Date.now() + 15_000
      while (Date.now() < deadline) {
        const statuses = await Promise.all(Object.values(ids).map(statusOf))
        if (statuses.every((s) => s !== "queued" && s !== "sending" && s !== "deferred")) break
        await new Promise((r) => setTimeout(r, 200))
      }
    } finally {
      await worker.dispose()
    }
    const eventsOf = async (id: string) =>
      ((await call("GET", `/emails/${id}/events`)).body.events as Array<{ eventType: string }>).map(
        (e) => e.eventType
      )
    expect(await statusOf(ids.delivered)).toBe("delivered")
    expect(await eventsOf(ids.delivered)).toEqual(["queued", "sent", "delivered"])
    expect(await statusOf(ids.bounced)).toBe("bounced")
    expect(await eventsOf(ids.bounced)).toEqual(["queued", "sent", "bounced"])
    expect(await statusOf(ids.deferred)).toBe("delivered")
    expect(await eventsOf(ids.deferred)).toEqual(["queued", "deferred", "sent", "delivered"])
    expect(await statusOf(ids.complained)).toBe("complained")
    expect(await eventsOf(ids.complained)).toEqual(["queued", "sent", "delivered", "complained"])
    // The simulator never touches live mail.
    const live = await query<{ status: string }>(
      db.url,
      "SELECT DISTINCT d.status FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE NOT e.test_mode AND d.status IN ('delivered', 'bounced')"
    )
    expect(live).toEqual([])
  }, 30_000)
  it("stores every event it produced as the contract's typed events", async () => {
    await expectStoredEventsDecode(db.url, [
      "email.queued",
      "email.scheduled",
      "email.cancelled",
      "email.suppressed",
      "email.sent",
      "email.delivered",
      "email.deferred",
      "email.bounced",
      "email.complained"
    ])
  })
})
