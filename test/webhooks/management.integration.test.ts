import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"
import {
  startWebhookReceiver,
  verifyPostStackSignature,
  verifyStandard,
  type WebhookReceiver
} from "../support/webhookReceiver.js"

interface Res {
  status: number
  body: Record<string, unknown>
}

describe("/webhooks: managing endpoints", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let receiver: WebhookReceiver
  let key: string
  let otherKey: string

  const call = async (method: string, path: string, body?: unknown, as = key): Promise<Res> => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${as}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    receiver = await startWebhookReceiver()
    server = await startTestServer({
      databaseUrl: db.url,
      webhooks: { allowLoopback: true, timeoutMs: 2000 }
    })
    key = (await server.bootstrap()) ?? ""
    otherKey = await insertTeamWithKey(db.url, "other")
  })
  afterAll(async () => {
    await server.close()
    await receiver.close()
    await db.drop()
  })

  it("creates an endpoint and shows its secret once, sealed at rest, afterwards only a prefix", async () => {
    const created = await call("POST", "/webhooks", {
      url: receiver.url("/in"),
      events: ["email.delivered", "email.bounced"],
      description: "orders"
    })
    expect(created.status).toBe(201)
    const secret = String(created.body.signingSecret)
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32)
    const webhook = created.body.webhook as Record<string, unknown>
    expect(created.body).toMatchObject({ id: webhook.id, secret, signing_secret: secret })
    expect(webhook).toEqual({
      id: expect.any(Number),
      url: receiver.url("/in"),
      description: "orders",
      events: ["email.delivered", "email.bounced"],
      active: true,
      secretPrefix: `${secret.slice(0, 10)}…`,
      createdAt: expect.any(String),
      secretRotatedAt: null,
      previousSecretExpiresAt: null,
      consecutiveFailures: 0,
      disabledAt: null,
      disabledReason: null,
      lastDeliveryAt: null,
      lastDeliveryStatus: null
    })
    const [row] = await query<{ secret_sealed: Buffer }>(
      db.url,
      "SELECT secret_sealed FROM webhooks WHERE id = $1",
      [webhook.id]
    )
    expect(row?.secret_sealed.includes(Buffer.from(secret))).toBe(false)
    expect(row?.secret_sealed.includes(Buffer.from(secret.slice(6)))).toBe(false)

    const got = await call("GET", `/webhooks/${webhook.id}`)
    expect(got).toMatchObject({
      status: 200,
      body: { webhook: { id: webhook.id, secretPrefix: webhook.secretPrefix } }
    })
    expect(JSON.stringify(got.body)).not.toContain(secret)
    const list = await call("GET", "/webhooks")
    expect(list.status).toBe(200)
    expect((list.body.webhooks as Array<{ id: number }>).map((w) => w.id)).toContain(webhook.id)
    expect(JSON.stringify(list.body)).not.toContain(secret)
  })

  it("updates url, events and enabled (which is active), and deletes", async () => {
    const { body } = await call("POST", "/webhooks", { url: receiver.url("/a"), events: ["*"] })
    const id = (body.webhook as { id: number }).id
    const off = await call("PATCH", `/webhooks/${id}`, {
      enabled: false,
      events: ["email.sent", "email.sent"]
    })
    expect(off).toMatchObject({
      status: 200,
      body: { webhook: { id, active: false, events: ["email.sent"] } }
    })
    const on = await call("PATCH", `/webhooks/${id}`, { enabled: true, url: receiver.url("/b") })
    expect(on).toMatchObject({ status: 200, body: { webhook: { active: true, url: receiver.url("/b") } } })
    expect(await call("DELETE", `/webhooks/${id}`)).toEqual({
      status: 200,
      body: { success: true, deleted: true }
    })
    expect(await call("GET", `/webhooks/${id}`)).toMatchObject({ status: 404, body: { code: "not_found" } })
    expect(await call("DELETE", `/webhooks/${id}`)).toMatchObject({
      status: 404,
      body: { code: "not_found" }
    })
  })

  it("refuses malformed input with 400 and bad values with 422", async () => {
    expect(await call("POST", "/webhooks", { events: ["*"] })).toMatchObject({
      status: 400,
      body: { code: "invalid_request" }
    })
    expect(await call("POST", "/webhooks", { url: receiver.url("/x"), events: [] })).toMatchObject({
      status: 400
    })
    expect(
      await call("POST", "/webhooks", { url: receiver.url("/x"), events: ["Email Sent"] })
    ).toMatchObject({
      status: 400
    })
    expect(await call("POST", "/webhooks", { url: "not a url", events: ["*"] })).toMatchObject({
      status: 422,
      body: { code: "unprocessable_entity" }
    })
    expect(await call("GET", "/webhooks/abc")).toMatchObject({ status: 400 })
    const sending = String(
      (await call("POST", "/api-keys", { name: "sender", permission: "sending_access" })).body.key
    )
    expect(await call("GET", "/webhooks", undefined, sending)).toMatchObject({
      status: 403,
      body: { code: "forbidden" }
    })
    expect(await call("POST", "/webhooks/1/rotate-secret", { graceHours: 169 })).toMatchObject({
      status: 400
    })
  })

  it("answers 404 for another team's endpoint on every route, and lists only the team's own", async () => {
    const { body } = await call("POST", "/webhooks", { url: receiver.url("/mine"), events: ["*"] })
    const id = (body.webhook as { id: number }).id
    const routes: Array<[string, string, unknown?]> = [
      ["GET", `/webhooks/${id}`],
      ["PATCH", `/webhooks/${id}`, { enabled: false }],
      ["DELETE", `/webhooks/${id}`],
      ["POST", `/webhooks/${id}/test`],
      ["GET", `/webhooks/${id}/deliveries`],
      ["POST", `/webhooks/${id}/deliveries/1/replay`],
      ["POST", `/webhooks/${id}/deliveries/batch-replay`, {}],
      ["POST", `/webhooks/${id}/rotate-secret`]
    ]
    for (const [method, path, payload] of routes) {
      expect(await call(method, path, payload, otherKey), `${method} ${path}`).toMatchObject({
        status: 404,
        body: { code: "not_found" }
      })
    }
    expect((await call("GET", "/webhooks", undefined, otherKey)).body).toEqual({ webhooks: [] })
    expect(receiver.at("/mine")).toHaveLength(0)
    expect(await call("GET", `/webhooks/${id}`)).toMatchObject({
      status: 200,
      body: { webhook: { active: true } }
    })
  })

  it("sends a signed test event at once and reports the answer", async () => {
    receiver.on("/test-fail", 500)
    const { body } = await call("POST", "/webhooks", {
      url: receiver.url("/test-ok"),
      events: ["email.sent"]
    })
    const id = (body.webhook as { id: number }).id
    const secret = String(body.signingSecret)
    const res = await call("POST", `/webhooks/${id}/test`)
    expect(res).toEqual({
      status: 200,
      body: { success: true, status_code: 200, response_time_ms: expect.any(Number) }
    })
    const [hit] = receiver.at("/test-ok")
    expect(hit).toBeDefined()
    if (hit === undefined) return
    const envelope = JSON.parse(hit.body) as Record<string, unknown>
    expect(envelope).toMatchObject({ id: expect.stringMatching(/^evt_[0-9a-f]{32}$/), type: "webhook.test" })
    expect(hit.headers["content-type"]).toBe("application/json")
    expect(verifyPostStackSignature(hit.body, String(hit.headers["x-poststack-signature"]), secret)).toBe(
      true
    )
    expect(verifyStandard(hit, secret)).toBe(true)
    expect(hit.headers["webhook-id"]).toBe(envelope.id)

    await call("PATCH", `/webhooks/${id}`, { url: receiver.url("/test-fail") })
    expect((await call("POST", `/webhooks/${id}/test`)).body).toMatchObject({
      success: false,
      status_code: 500
    })
    const page = await call("GET", `/webhooks/${id}/deliveries`)
    expect(page.status).toBe(200)
    const deliveries = page.body.deliveries as Array<Record<string, unknown>>
    expect(deliveries.map((d) => d.statusCode)).toEqual([500, 200])
    expect(deliveries[0]).toMatchObject({
      webhookId: id,
      eventType: "webhook.test",
      attempts: 1,
      nextRetryAt: null,
      deliveredAt: null,
      success: false,
      responseBody: "status 500"
    })
    expect(deliveries[1]).toMatchObject({ deliveredAt: expect.any(String), success: true })
    expect(page.body.pagination).toEqual({ page: 1, perPage: 20, total: 2, totalPages: 1 })
    expect(page.body.meta).toEqual(page.body.pagination)
    const listed = (await call("GET", "/webhooks")).body.webhooks as Array<Record<string, unknown>>
    expect(listed.find((w) => w.id === id)).toMatchObject({
      lastDeliveryAt: expect.any(String),
      lastDeliveryStatus: 500,
      consecutiveFailures: 1
    })
  })

  it("rotates the secret: a new one once, the old one kept for the grace window (24 h by default)", async () => {
    const { body } = await call("POST", "/webhooks", { url: receiver.url("/rot"), events: ["*"] })
    const id = (body.webhook as { id: number }).id
    const before = Date.now()
    const rotated = await fetch(`${server.baseUrl}/webhooks/${id}/rotate-secret`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
    })
    expect(rotated.status).toBe(200)
    const r = (await rotated.json()) as { webhook: Record<string, string>; signingSecret: string }
    expect(r.signingSecret).toMatch(/^whsec_/)
    expect(r.signingSecret).not.toBe(body.signingSecret)
    const expires = Date.parse(String(r.webhook.previousSecretExpiresAt))
    expect(expires - before).toBeGreaterThan(23.9 * 3_600_000)
    expect(expires - before).toBeLessThan(24.1 * 3_600_000)
    expect(r.webhook.secretRotatedAt).toEqual(expect.any(String))
    const none = await call("POST", `/webhooks/${id}/rotate-secret`, { graceHours: 0 })
    expect(none).toMatchObject({ status: 200, body: { webhook: { previousSecretExpiresAt: null } } })
  })
})
