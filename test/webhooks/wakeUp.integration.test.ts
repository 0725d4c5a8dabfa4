import { PgDatabase } from "@poststack/adapters-persistence"
import { WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase, query } from "../support/database.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../support/webhookReceiver.js"
import { dispatcherSettings, noTasks, testModeAndWebhookJobs } from "../support/webhookWorker.js"

// The dispatcher's idle pause is an hour: only the fan-out's NOTIFY can wake it in time.
const settings = dispatcherSettings({ idle: "1 hour" })

describe("an idle webhook dispatcher", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let receiver: WebhookReceiver
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>

  beforeAll(async () => {
    db = await createTestDatabase()
    receiver = await startWebhookReceiver()
    server = await startTestServer({
      databaseUrl: db.url,
      webhooks: { allowLoopback: true, timeoutMs: 3000 }
    })
    const services = testServices({ webhooks: { allowLoopback: true, timeoutMs: 3000 } }).pipe(
      Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 }))
    )
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, testModeAndWebhookJobs(settings)).pipe(Layer.provide(services))
    )
  })
  afterAll(async () => {
    await worker.dispose()
    await server.close()
    await receiver.close()
    await db.drop()
  })

  it("wakes when a fan-out queues deliveries, without waiting for its idle pause", async () => {
    const key = (await server.bootstrap()) ?? ""
    const created = await callApi(server.baseUrl, key, "POST", "/webhooks", {
      url: receiver.url("/wake"),
      events: ["*"]
    })
    expect(created.status).toBe(201)
    await worker.runPromise(Effect.void)
    // Long enough for the dispatcher's first claim to find nothing and settle into its pause.
    await new Promise((r) => setTimeout(r, 1_500))
    const [team] = await query<{ team_id: number }>(db.url, "SELECT team_id FROM api_keys LIMIT 1")
    const written = Date.now()
    await query(db.url, "INSERT INTO events (team_id, type, payload) VALUES ($1, 'wake.test', '{}'::jsonb)", [
      team?.team_id
    ])
    const [hit] = await eventually(
      () => receiver.at("/wake"),
      (hits) => hits.length >= 1,
      15_000
    )
    expect(JSON.parse(hit?.body ?? "{}")).toMatchObject({ type: "wake.test" })
    expect((hit?.at ?? Number.POSITIVE_INFINITY) - written).toBeLessThan(15_000)
  })
})
