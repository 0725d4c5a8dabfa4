import { PgDatabase } from "@poststack/adapters-persistence"
import { WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase } from "../support/database.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../support/webhookReceiver.js"
import { dispatcherSettings, noTasks, testModeAndWebhookJobs } from "../support/webhookWorker.js"

interface Envelope {
  readonly type: string
  readonly data: Record<string, unknown>
}

describe("contact events reach webhooks through the outbox and the real dispatcher", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let receiver: WebhookReceiver
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>
  let key: string

  beforeAll(async () => {
    db = await createTestDatabase()
    receiver = await startWebhookReceiver()
    server = await startTestServer({
      databaseUrl: db.url,
      webhooks: { allowLoopback: true, timeoutMs: 3000 }
    })
    key = (await server.bootstrap()) ?? ""
    const services = testServices({ webhooks: { allowLoopback: true, timeoutMs: 3000 } }).pipe(
      Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 }))
    )
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, testModeAndWebhookJobs(dispatcherSettings())).pipe(Layer.provide(services))
    )
    await worker.runPromise(Effect.void)
  })
  afterAll(async () => {
    await worker.dispose()
    await server.close()
    await receiver.close()
    await db.drop()
  })

  it("delivers contact.created, updated, unsubscribed and deleted to a webhook subscribed to them", async () => {
    const hook = await callApi(server.baseUrl, key, "POST", "/webhooks", {
      url: receiver.url("/contacts"),
      events: ["contact.created", "contact.updated", "contact.unsubscribed", "contact.deleted"]
    })
    expect(hook.status).toBe(201)
    const created = await callApi(server.baseUrl, key, "POST", "/contacts", { email: "hooked@example.com" })
    const id = (created.body.contact as { publicId: string }).publicId
    await callApi(server.baseUrl, key, "POST", `/contacts/${id}/unsubscribe`)
    await callApi(server.baseUrl, key, "DELETE", `/contacts/${id}`)
    const hits = await eventually(
      () => receiver.at("/contacts").map((h) => JSON.parse(h.body) as Envelope),
      (all) => all.length >= 4
    )
    expect(hits.map((h) => h.type).sort()).toEqual(
      ["contact.created", "contact.deleted", "contact.unsubscribed", "contact.updated"].sort()
    )
    for (const hit of hits) expect(hit.data).toMatchObject({ contact_id: id, email: "hooked@example.com" })
    expect(hits.find((h) => h.type === "contact.unsubscribed")?.data.unsubscribed).toBe(true)
  })
})
