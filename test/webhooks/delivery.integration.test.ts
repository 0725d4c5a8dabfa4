import { PgDatabase } from "@poststack/adapters-persistence"
import { WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { freePort } from "../support/net.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import {
  eventually,
  type ReceivedWebhook,
  startWebhookReceiver,
  verifyPostStackSignature,
  verifyStandard,
  type WebhookReceiver
} from "../support/webhookReceiver.js"
import { dispatcherSettings, noTasks, testModeAndWebhookJobs } from "../support/webhookWorker.js"
import { callApi } from "../support/api.js"

/** Fast retries (the policy is the same code as production's 24 hours, only shorter). */
const settings = dispatcherSettings()

describe("webhook delivery", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let receiver: WebhookReceiver
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>
  let key: string
  let teamId: number

  const call = (method: string, path: string, body?: unknown, as = key) =>
    callApi(server.baseUrl, as, method, path, body)
  const createHook = async (path: string, events: ReadonlyArray<string>, url = receiver.url(path)) => {
    const res = await call("POST", "/webhooks", { url, events })
    expect(res.status).toBe(201)
    return { id: (res.body.webhook as { id: number }).id, secret: String(res.body.signingSecret) }
  }
  /** An event written to the outbox, as any domain change writes it. */
  const emit = (type: string, data: Record<string, unknown>) =>
    query(db.url, "INSERT INTO events (team_id, type, payload) VALUES ($1, $2, $3)", [teamId, type, data])
  const envelope = (r: ReceivedWebhook) =>
    JSON.parse(r.body) as { id: string; type: string; timestamp: string; data: Record<string, unknown> }
  const deliveries = async (id: number) =>
    (await call("GET", `/webhooks/${id}/deliveries?per_page=100`)).body.deliveries as Array<
      Record<string, unknown>
    >

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    receiver = await startWebhookReceiver()
    server = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      webhooks: { allowLoopback: true, timeoutMs: 3000 }
    })
    key = (await server.bootstrap()) ?? ""
    const [row] = await query<{ team_id: number }>(db.url, "SELECT team_id FROM api_keys LIMIT 1")
    teamId = row?.team_id ?? 0
    const services = testServices({
      dnsServers: [dns.address],
      webhooks: { allowLoopback: true, timeoutMs: 3000 }
    }).pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 })))
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, testModeAndWebhookJobs(settings)).pipe(Layer.provide(services))
    )
    await worker.runPromise(Effect.void)
  })
  afterAll(async () => {
    await worker.dispose()
    await server.close()
    await receiver.close()
    await dns.close()
    await db.drop()
  })

  it("sends a test-mode email's queued, sent and delivered events, signed both ways, to subscribed endpoints", async () => {
    const all = await createHook("/all", ["*"])
    const delivered = await createHook("/delivered", ["email.delivered"])
    await addVerifiedDomain(server.baseUrl, key, dns, "hooks.test")
    const testKey = String(
      (await call("POST", "/api-keys", { name: "t", permission: "sending_access", mode: "test" })).body.key
    )
    const sent = await call(
      "POST",
      "/emails",
      {
        from: "Shop <shop@hooks.test>",
        to: ["buyer@example.com"],
        subject: "Order",
        text: "Thanks",
        tags: ["order"]
      },
      testKey
    )
    expect(sent.status).toBe(202)
    // Deliveries to one endpoint may overtake each other, so the domain's event is waited for too.
    const toAll = await eventually(
      () => receiver.at("/all"),
      (r) =>
        r.filter((x) => envelope(x).type.startsWith("email.")).length >= 3 &&
        r.some((x) => envelope(x).type === "domain.verified")
    )
    const received = toAll.filter((r) => envelope(r).type.startsWith("email."))
    // The domain's own event went out too (`*` is every event).
    expect(toAll.map((r) => envelope(r).type)).toContain("domain.verified")
    expect(received.map((r) => envelope(r).type).sort()).toEqual([
      "email.delivered",
      "email.queued",
      "email.sent"
    ])
    for (const r of received) {
      const body = envelope(r)
      expect(Object.keys(body)).toEqual(["id", "type", "timestamp", "data"])
      expect(body.id).toMatch(/^evt_[0-9a-f]{32}$/)
      expect(body.data).toMatchObject({
        email_id: sent.body.id,
        from: "Shop <shop@hooks.test>",
        to: ["buyer@example.com"],
        subject: "Order",
        tags: ["order"],
        test_mode: true
      })
      expect(r.headers["webhook-id"]).toBe(body.id)
      expect(verifyPostStackSignature(r.body, String(r.headers["x-poststack-signature"]), all.secret)).toBe(
        true
      )
      expect(
        verifyPostStackSignature(r.body, String(r.headers["x-poststack-signature"]), delivered.secret)
      ).toBe(false)
      expect(verifyStandard(r, all.secret)).toBe(true)
      expect(verifyStandard(r, delivered.secret)).toBe(false)
    }
    const only = await eventually(
      () => receiver.at("/delivered"),
      (r) => r.length >= 1
    )
    expect(only.map((r) => envelope(r).type)).toEqual(["email.delivered"])
    expect(verifyStandard(only[0] as ReceivedWebhook, delivered.secret)).toBe(true)
    const rows = await eventually(
      () => deliveries(all.id),
      (d) => d.every((x) => x.deliveredAt !== null) && d.length === 4
    )
    // Newest first.
    expect(rows.map((d) => d.id)).toEqual([...rows.map((d) => d.id as number)].sort((a, b) => b - a))
    const listed = (await call("GET", `/webhooks/${all.id}`)).body.webhook as Record<string, unknown>
    expect(listed).toMatchObject({ lastDeliveryStatus: 200, lastDeliveryAt: expect.any(String) })
  })

  it("retries a failing endpoint with backoff, keeping the event id, and stores every attempt", async () => {
    receiver.on("/flaky", (res, hit) => res.writeHead(hit < 3 ? 503 : 200).end(hit < 3 ? "busy" : "ok"))
    const hook = await createHook("/flaky", ["order.paid"])
    await emit("order.paid", { order: 1 })
    const hits = await eventually(
      () => receiver.at("/flaky"),
      (r) => r.length >= 3
    )
    const ids = hits.map((r) => envelope(r).id)
    expect(new Set(ids).size).toBe(1)
    expect(new Set(hits.map((r) => r.headers["webhook-id"])).size).toBe(1)
    expect(new Set(hits.map((r) => r.body)).size).toBe(1)
    for (const r of hits) expect(verifyStandard(r, hook.secret)).toBe(true)
    // Exponential: the second gap is about twice the first.
    const [a, b, c] = hits.map((r) => r.at) as [number, number, number]
    expect(b - a).toBeGreaterThanOrEqual(90)
    expect(c - b).toBeGreaterThanOrEqual(190)
    const [row] = await eventually(
      () => deliveries(hook.id),
      (d) => d[0]?.deliveredAt !== null
    )
    expect(row).toMatchObject({ attempts: 3, statusCode: 200, responseBody: "ok", nextRetryAt: null })
    const attempts = await query<{
      attempt: number
      status_code: number
      response_body: string
      duration_ms: number
    }>(
      db.url,
      "SELECT attempt, status_code, response_body, duration_ms FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id",
      [row?.id]
    )
    expect(attempts.map((x) => [x.attempt, x.status_code, x.response_body])).toEqual([
      [1, 503, "busy"],
      [2, 503, "busy"],
      [3, 200, "ok"]
    ])
    expect(attempts.every((x) => x.duration_ms >= 0)).toBe(true)
  })

  it("resolves host names through the configured DNS, at connect time", async () => {
    dns.publish("receiver.hooks.test", "A", "127.0.0.1")
    const port = new URL(receiver.url("/")).port
    await createHook("/named", ["named.event"], `http://receiver.hooks.test:${port}/named`)
    await emit("named.event", {})
    const [hit] = await eventually(
      () => receiver.at("/named"),
      (r) => r.length >= 1
    )
    expect(hit?.headers.host).toBe(`receiver.hooks.test:${port}`)
    expect(dns.queries).toContain("A receiver.hooks.test")
  })

  it("does not follow a redirect: a 302 is a failure and is retried", async () => {
    receiver.on("/moved", (res) => res.writeHead(302, { location: receiver.url("/target") }).end())
    const hook = await createHook("/moved", ["order.moved"])
    await emit("order.moved", {})
    await eventually(
      () => receiver.at("/moved"),
      (r) => r.length >= 2
    )
    expect(receiver.at("/target")).toHaveLength(0)
    const [row] = await deliveries(hook.id)
    expect(row).toMatchObject({ statusCode: 302, deliveredAt: null })
  })

  it("records time-outs and refused connections as failures with their reason", async () => {
    receiver.on("/hang", () => {})
    const hang = await createHook("/hang", ["order.hang"])
    const gone = await createHook("/gone", ["order.hang"], `http://127.0.0.1:${await freePort()}/gone`)
    await emit("order.hang", {})
    const errors = async (id: number) =>
      query<{ error: string | null; status_code: number | null; duration_ms: number }>(
        db.url,
        "SELECT a.error, a.status_code, a.duration_ms FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.webhook_id = $1",
        [id]
      )
    const [timedOut] = await eventually(
      () => errors(hang.id),
      (r) => r.length >= 1
    )
    expect(timedOut).toMatchObject({ status_code: null, error: expect.stringContaining("timed out") })
    expect(timedOut?.duration_ms).toBeGreaterThanOrEqual(2950)
    const [refused] = await eventually(
      () => errors(gone.id),
      (r) => r.length >= 1
    )
    expect(refused).toMatchObject({ status_code: null, error: expect.stringContaining("ECONNREFUSED") })
  })

  it("a slow endpoint does not delay a healthy one", async () => {
    // The slow endpoint answers only when the test lets it.
    const held: Array<() => void> = []
    let closed = 0
    receiver.on("/slow", (res) => {
      res.on("close", () => closed++)
      held.push(() => res.writeHead(200).end())
    })
    await createHook("/slow", ["slow.event"])
    await createHook("/fast", ["fast.event"])
    for (let i = 0; i < 12; i++) await emit("slow.event", { n: i })
    await eventually(
      () => receiver.at("/slow"),
      (r) => r.length >= 4
    )
    for (let i = 0; i < 5; i++) await emit("fast.event", { n: i })
    await eventually(
      () => receiver.at("/fast"),
      (r) => r.length >= 5
    )
    // Every fast delivery went out while all four slow attempts were still waiting for an answer,
    // and the slow endpoint never had more than its four slots.
    expect(closed).toBe(0)
    expect(receiver.at("/slow")).toHaveLength(4)
    const release = setInterval(() => {
      for (const answer of held.splice(0)) answer()
    }, 20)
    try {
      await eventually(
        () => receiver.at("/slow"),
        (r) => r.length >= 12
      )
    } finally {
      clearInterval(release)
    }
  })

  it("signs with both secrets during a rotation (new first) and with the new one alone after", async () => {
    const hook = await createHook("/rotating", ["rotation.check"])
    const rotated = await call("POST", `/webhooks/${hook.id}/rotate-secret`, { graceHours: 1 })
    const fresh = String(rotated.body.signingSecret)
    await emit("rotation.check", { n: 1 })
    const [first] = await eventually(
      () => receiver.at("/rotating"),
      (r) => r.length >= 1
    )
    if (first === undefined) throw new Error("no delivery")
    const header = String(first.headers["x-poststack-signature"])
    expect(header.split(",")).toHaveLength(2)
    expect(verifyPostStackSignature(first.body, header.split(",")[0] ?? "", fresh)).toBe(true)
    expect(verifyPostStackSignature(first.body, header.split(",")[1] ?? "", hook.secret)).toBe(true)
    expect(verifyPostStackSignature(first.body, header, fresh)).toBe(true)
    expect(verifyPostStackSignature(first.body, header, hook.secret)).toBe(true)
    expect(String(first.headers["webhook-signature"]).split(" ")).toHaveLength(2)
    expect(verifyStandard(first, fresh)).toBe(true)
    expect(verifyStandard(first, hook.secret)).toBe(true)

    const again = await call("POST", `/webhooks/${hook.id}/rotate-secret`, { graceHours: 0 })
    const newest = String(again.body.signingSecret)
    await emit("rotation.check", { n: 2 })
    const [, second] = await eventually(
      () => receiver.at("/rotating"),
      (r) => r.length >= 2
    )
    if (second === undefined) throw new Error("no delivery")
    expect(String(second.headers["x-poststack-signature"]).split(",")).toHaveLength(1)
    expect(
      verifyPostStackSignature(second.body, String(second.headers["x-poststack-signature"]), newest)
    ).toBe(true)
    expect(
      verifyPostStackSignature(second.body, String(second.headers["x-poststack-signature"]), fresh)
    ).toBe(false)
    expect(verifyStandard(second, newest)).toBe(true)
    expect(verifyStandard(second, fresh)).toBe(false)
  })

  it("gives up after the retry window, then replays one delivery or a batch of failed ones", async () => {
    let healthy = false
    receiver.on("/later", (res) => res.writeHead(healthy ? 200 : 500).end())
    const hook = await createHook("/later", ["later.event"])
    // Two deliveries fail about 16 times together inside the window: below the disable threshold.
    for (let i = 0; i < 2; i++) await emit("later.event", { n: i })
    const failed = await eventually(
      () => deliveries(hook.id),
      (d) => d.length === 2 && d.every((x) => x.status === "failed"),
      15_000
    )
    expect(failed.every((d) => d.nextRetryAt === null && d.deliveredAt === null)).toBe(true)
    expect((await call("GET", `/webhooks/${hook.id}`)).body.webhook).toMatchObject({ active: true })
    healthy = true
    const [newest, oldest] = failed as [{ id: number; eventId: string }, { id: number; eventId: string }]
    const before = receiver.at("/later").length
    // Oldest first.
    const batch = await call("POST", `/webhooks/${hook.id}/deliveries/batch-replay`, { limit: 1 })
    expect(batch).toEqual({ status: 200, body: { replayed: 1, remaining: 1 } })
    const replayed = await eventually(
      () => receiver.at("/later").slice(before),
      (r) => r.length >= 1
    )
    expect(envelope(replayed[0] as ReceivedWebhook).id).toBe(oldest.eventId)
    expect(await call("POST", `/webhooks/${hook.id}/deliveries/${newest.id}/replay`)).toEqual({
      status: 200,
      body: { success: true }
    })
    const done = await eventually(
      () => deliveries(hook.id),
      (d) => d.every((x) => x.status === "success")
    )
    expect(done.map((d) => d.eventId)).toEqual([newest.eventId, oldest.eventId])
    const sameIds = receiver
      .at("/later")
      .filter((r) => envelope(r).id === newest.eventId)
      .map((r) => r.headers["webhook-id"])
    expect(new Set(sameIds)).toEqual(new Set([newest.eventId]))
    expect(await call("POST", `/webhooks/${hook.id}/deliveries/batch-replay`)).toEqual({
      status: 200,
      body: { replayed: 0, remaining: 0 }
    })
    expect(await call("POST", `/webhooks/${hook.id}/deliveries/999999/replay`)).toMatchObject({ status: 404 })
  })

  it("disables an endpoint after 20 consecutive failures and tells the team's other endpoints", async () => {
    receiver.on("/dead", 500)
    const watcher = await createHook("/watcher", ["webhook.disabled"])
    const dead = await createHook("/dead", ["dead.event"])
    for (let i = 0; i < 8; i++) await emit("dead.event", { n: i })
    const disabled = await eventually(
      async () => (await call("GET", `/webhooks/${dead.id}`)).body.webhook as Record<string, unknown>,
      (w) => w.active === false,
      20_000
    )
    expect(disabled).toMatchObject({
      active: false,
      disabledAt: expect.any(String),
      disabledReason: "20 consecutive failed deliveries"
    })
    // Attempts already in flight when the 20th failed still finish and count.
    expect(disabled.consecutiveFailures).toBeGreaterThanOrEqual(20)
    const [notice] = await eventually(
      () => receiver.at("/watcher"),
      (r) => r.length >= 1
    )
    expect(envelope(notice as ReceivedWebhook)).toMatchObject({
      type: "webhook.disabled",
      data: { webhook_id: dead.id, url: receiver.url("/dead") }
    })
    expect(verifyStandard(notice as ReceivedWebhook, watcher.secret)).toBe(true)
    // Disabled: nothing more is sent (beyond the attempts in flight at that moment, at most 4).
    await new Promise((r) => setTimeout(r, 300))
    const count = receiver.at("/dead").length
    await new Promise((r) => setTimeout(r, 600))
    expect(receiver.at("/dead").length).toBe(count)
    expect(count).toBeGreaterThanOrEqual(20)
    expect(count).toBeLessThanOrEqual(20 + settings.perEndpoint - 1)
    const reenabled = await call("PATCH", `/webhooks/${dead.id}`, { enabled: true })
    expect(reenabled.body.webhook).toMatchObject({ active: true, disabledAt: null, consecutiveFailures: 0 })
  })
})
