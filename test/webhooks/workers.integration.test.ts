import { PgDatabase } from "@poststack/adapters-persistence"
import { WebhookQueue } from "@poststack/application"
import { WorkerLive, webhookJobs } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../support/webhookReceiver.js"
import { dispatcherSettings, noTasks } from "../support/webhookWorker.js"

const settings = dispatcherSettings({
  retry: { baseDelayMs: 100, maxDelayMs: 400, windowMs: 60_000 },
  maxInFlight: 20,
  perEndpoint: 8
})

describe("webhooks with several workers on one database", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let receiver: WebhookReceiver
  let key: string
  let teamId: number

  const services = () =>
    testServices({ webhooks: { allowLoopback: true, timeoutMs: 2000 } }).pipe(
      Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 }))
    )
  const startWorker = async () => {
    const worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, webhookJobs(Effect.succeed(settings))).pipe(Layer.provide(services()))
    )
    await worker.runPromise(Effect.void)
    return worker
  }
  const createHook = async (path: string, events: ReadonlyArray<string>) => {
    const res = await fetch(`${server.baseUrl}/webhooks`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ url: receiver.url(path), events })
    })
    expect(res.status).toBe(201)
    return ((await res.json()) as { webhook: { id: number } }).webhook.id
  }
  const emit = (type: string) =>
    query(db.url, "INSERT INTO events (team_id, type, payload) VALUES ($1, $2, '{}')", [teamId, type])

  beforeAll(async () => {
    db = await createTestDatabase()
    receiver = await startWebhookReceiver()
    server = await startTestServer({
      databaseUrl: db.url,
      webhooks: { allowLoopback: true, timeoutMs: 2000 }
    })
    key = (await server.bootstrap()) ?? ""
    const [row] = await query<{ team_id: number }>(db.url, "SELECT team_id FROM api_keys LIMIT 1")
    teamId = row?.team_id ?? 0
  })
  afterAll(async () => {
    await server.close()
    await receiver.close()
    await db.drop()
  })

  it("three workers send each of 300 events, committed out of order, exactly once", async () => {
    const id = await createHook("/many", ["bulk.event"])
    const workers = await Promise.all([startWorker(), startWorker(), startWorker()])
    try {
      // Ten connections insert at once, so ids commit out of order while the workers fan out.
      const pool = new pg.Pool({ connectionString: db.url, max: 10 })
      await Promise.all(
        Array.from({ length: 10 }, async (_, c) => {
          for (let i = 0; i < 30; i++) {
            await pool.query("INSERT INTO events (team_id, type, payload) VALUES ($1, 'bulk.event', $2)", [
              teamId,
              { c, i }
            ])
          }
        })
      )
      await pool.end()
      await eventually(
        () => receiver.at("/many"),
        (r) => r.length >= 300,
        30_000
      )
      await new Promise((r) => setTimeout(r, 500))
    } finally {
      await Promise.all(workers.map((w) => w.dispose()))
    }
    const hits = receiver.at("/many")
    expect(hits).toHaveLength(300)
    expect(new Set(hits.map((h) => (JSON.parse(h.body) as { id: string }).id)).size).toBe(300)
    const rows = await query<{ attempts: number; status: string; n: number }>(
      db.url,
      "SELECT attempts, status, count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 GROUP BY 1, 2",
      [id]
    )
    expect(rows).toEqual([{ attempts: 1, status: "delivered", n: 300 }])
    const [left] = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM events WHERE fanned_out_at IS NULL"
    )
    expect(left?.n).toBe(0)
  }, 60_000)

  it("gives a crashed worker's claim to another worker after the lease, with the same event id", async () => {
    await createHook("/crash", ["crash.event"])
    await emit("crash.event")
    const crashed = ManagedRuntime.make(services())
    let claimedAt = new Date()
    const claimed = await crashed.runPromise(
      Effect.gen(function* () {
        const queue = yield* WebhookQueue
        yield* queue.fanOut({ limit: 100 })
        claimedAt = new Date()
        return yield* queue.claim({
          now: claimedAt,
          limit: 10,
          perEndpoint: 4,
          leaseMs: 1500,
          retryWindowMs: 60_000
        })
      })
    )
    await crashed.dispose()
    expect(claimed).toHaveLength(1)
    const survivor = await startWorker()
    try {
      const [hit] = await eventually(
        () => receiver.at("/crash"),
        (r) => r.length >= 1
      )
      // Not before the lease ran out: measured from the claim, so that a slow start of the second
      // worker on a busy machine cannot make it look early.
      expect(hit?.at).toBeGreaterThanOrEqual(claimedAt.getTime() + 1500)
      expect((JSON.parse(hit?.body ?? "{}") as { id: string }).id).toBe(claimed[0]?.eventId)
    } finally {
      await survivor.dispose()
    }
    const [row] = await query<{ attempts: number; status: string }>(
      db.url,
      "SELECT attempts, status FROM webhook_deliveries WHERE id = $1",
      [claimed[0]?.id]
    )
    expect(row).toEqual({ attempts: 2, status: "delivered" })
  })

  it("a worker told to stop finishes the attempt in flight and records it", async () => {
    receiver.on("/drain", (res) => setTimeout(() => res.writeHead(200).end("done"), 500))
    const id = await createHook("/drain", ["drain.event"])
    const worker = await startWorker()
    await emit("drain.event")
    await eventually(
      () => receiver.at("/drain"),
      (r) => r.length >= 1
    )
    await worker.dispose()
    const [row] = await query<{ status: string; response_body: string }>(
      db.url,
      "SELECT status, response_body FROM webhook_deliveries WHERE webhook_id = $1",
      [id]
    )
    expect(row).toEqual({ status: "delivered", response_body: "done" })
  })

  it("a secret sealed under another key fails the attempt (recorded) instead of holding the delivery", async () => {
    const id = await createHook("/sealed", ["sealed.event"])
    await query(db.url, "UPDATE webhooks SET secret_sealed = $1 WHERE id = $2", [
      Buffer.concat([Buffer.from([1]), Buffer.alloc(40, 9)]),
      id
    ])
    const worker = await startWorker()
    try {
      await emit("sealed.event")
      const [attempt] = await eventually(
        () =>
          query<{ error: string | null }>(
            db.url,
            "SELECT a.error FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.webhook_id = $1",
            [id]
          ),
        (rows) => rows.length >= 1
      )
      expect(attempt?.error).toContain("encryption key")
    } finally {
      await worker.dispose()
    }
    expect(receiver.at("/sealed")).toHaveLength(0)
  })

  it("writes an event no active endpoint subscribes to already fanned out, and leaves a watched one to the fan-out", async () => {
    const id = await createHook("/watched", ["watched.event"])
    const marks = async (type: string) => {
      const [row] = await query<{ id: string; marked: boolean; at_creation: boolean }>(
        db.url,
        `INSERT INTO events (team_id, type, payload) VALUES ($1, $2, '{}')
         RETURNING id::text, fanned_out_at IS NOT NULL AS marked, fanned_out_at = created_at AS at_creation`,
        [teamId, type]
      )
      return row
    }
    const watched = await marks("watched.event")
    const unwatched = await marks("unwatched.event")
    expect(watched?.marked).toBe(false)
    expect(unwatched).toMatchObject({ marked: true, at_creation: true })
    // The fan-out takes the watched event alone and makes its delivery; the other never had one.
    const runtime = ManagedRuntime.make(services())
    const fanned = await runtime
      .runPromise(Effect.flatMap(WebhookQueue, (queue) => queue.fanOut({ limit: 100 })))
      .finally(() => runtime.dispose())
    expect(fanned).toEqual({ events: 1, deliveries: 1 })
    const deliveries = await query<{ event_id: string }>(
      db.url,
      "SELECT event_id::text FROM webhook_deliveries WHERE webhook_id = $1",
      [id]
    )
    expect(deliveries).toEqual([{ event_id: watched?.id }])
    // A paused endpoint watches nothing: its events are marked as they are written.
    await query(db.url, "UPDATE webhooks SET active = false WHERE id = $1", [id])
    expect((await marks("watched.event"))?.marked).toBe(true)
  })
})
