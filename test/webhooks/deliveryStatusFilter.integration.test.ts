import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhookReceiver.js"

interface Delivery {
  readonly id: number
  readonly status: string
  readonly statusCode: number | null
}
interface Meta {
  readonly page: number
  readonly perPage: number
  readonly total: number
  readonly totalPages: number
}

/**
 * `?status=` on a webhook's and a notification channel's delivery log (an addition): each shows
 * only the deliveries in that status, paged and counted alone; no status shows them all.
 */
describe("delivery logs filtered by status", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let receiver: WebhookReceiver
  let key: string
  const call = (method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, key, method, path, body)

  beforeAll(async () => {
    db = await createTestDatabase()
    receiver = await startWebhookReceiver()
    receiver.on("/fail", 500)
    receiver.on("/services/T0/B0/fail", 500)
    // No worker runs here: a replayed delivery stays pending.
    server = await startTestServer({
      databaseUrl: db.url,
      webhooks: { allowLoopback: true, timeoutMs: 2000 }
    })
    key = (await server.bootstrap()) ?? ""
  })
  afterAll(async () => {
    await server.close()
    await receiver.close()
    await db.drop()
  })

  it("on /webhooks/:id/deliveries, in the SDK's statuses (pending, success, failed)", async () => {
    const created = await call("POST", "/webhooks", { url: receiver.url("/ok"), events: ["*"] })
    const id = (created.body.webhook as { id: number }).id
    expect((await call("POST", `/webhooks/${id}/test`)).body).toMatchObject({ success: true })
    await call("PATCH", `/webhooks/${id}`, { url: receiver.url("/fail") })
    for (let i = 0; i < 3; i++)
      expect((await call("POST", `/webhooks/${id}/test`)).body).toMatchObject({ success: false })
    const all = (await call("GET", `/webhooks/${id}/deliveries`)).body.deliveries as Array<Delivery>
    expect(all.map((d) => d.status)).toEqual(["failed", "failed", "failed", "success"])
    const replayed = all[0]?.id
    expect((await call("POST", `/webhooks/${id}/deliveries/${replayed}/replay`)).status).toBe(200)

    const page = async (query: string) => {
      const res = await call("GET", `/webhooks/${id}/deliveries${query}`)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      expect(res.body.meta).toEqual(res.body.pagination)
      return {
        ids: (res.body.deliveries as Array<Delivery>).map((d) => d.id),
        pagination: res.body.pagination as Meta
      }
    }
    const [ok, firstFailed, secondFailed] = [all[3]?.id, all[2]?.id, all[1]?.id]
    expect(await page("?status=pending")).toEqual({
      ids: [replayed],
      pagination: { page: 1, perPage: 20, total: 1, totalPages: 1 }
    })
    expect((await page("?status=success")).ids).toEqual([ok])
    expect(await page("?status=failed&per_page=1")).toEqual({
      ids: [secondFailed],
      pagination: { page: 1, perPage: 1, total: 2, totalPages: 2 }
    })
    expect((await page("?status=failed&per_page=1&page=2")).ids).toEqual([firstFailed])
    expect((await page("")).pagination.total).toBe(4)
    expect(await call("GET", `/webhooks/${id}/deliveries?status=delivered`)).toMatchObject({
      status: 400,
      body: { code: "invalid_request" }
    })
  })

  it("on /notification-channels/:id/deliveries, in the statuses its deliveries show", async () => {
    const created = await call("POST", "/notification-channels", {
      type: "slack",
      name: "alerts",
      events: ["email.bounced"],
      config: { webhookUrl: receiver.url("/services/T0/B0/ok") }
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const id = (created.body.channel as { publicId: string }).publicId
    expect((await call("POST", `/notification-channels/${id}/test`)).body).toMatchObject({ statusCode: 200 })
    await call("PUT", `/notification-channels/${id}`, {
      config: { webhookUrl: receiver.url("/services/T0/B0/fail") }
    })
    expect((await call("POST", `/notification-channels/${id}/test`)).body).toMatchObject({ statusCode: 500 })
    expect((await call("POST", `/notification-channels/${id}/test`)).body).toMatchObject({ statusCode: 500 })
    const all = (await call("GET", `/notification-channels/${id}/deliveries`)).body
      .deliveries as Array<Delivery>
    expect(all.map((d) => d.status)).toEqual(["failed", "failed", "delivered"])
    expect((await call("POST", `/notification-channels/${id}/deliveries/${all[0]?.id}/replay`)).status).toBe(
      200
    )

    const listed = async (status: string) => {
      const res = await call("GET", `/notification-channels/${id}/deliveries?status=${status}`)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return {
        ids: (res.body.deliveries as Array<Delivery>).map((d) => d.id),
        total: (res.body.meta as Meta).total
      }
    }
    expect(await listed("pending")).toEqual({ ids: [all[0]?.id], total: 1 })
    expect(await listed("failed")).toEqual({ ids: [all[1]?.id], total: 1 })
    expect(await listed("delivered")).toEqual({ ids: [all[2]?.id], total: 1 })
    expect(await listed("sending")).toEqual({ ids: [], total: 0 })
    expect(await call("GET", `/notification-channels/${id}/deliveries?status=success`)).toMatchObject({
      status: 400,
      body: { code: "invalid_request" }
    })
  })
})
