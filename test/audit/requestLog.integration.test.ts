import { PgDatabase } from "@poststack/adapters-persistence"
import { periodicTasks } from "@poststack/runtime"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { purgeLayers } from "../support/purgeLayers.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"
import { eventually } from "../support/webhookReceiver.js"

const AGENT = "request-log-test/2.0"
const QUERY_SECRET = "qUeRySeCrEt0123456789"

interface Logged {
  readonly id: string
  readonly method: string
  readonly endpoint: string
  readonly status: number
  readonly durationMs: number
  readonly apiKeyId: number | null
  readonly actor: { kind: string; id: string | null }
  readonly ipAddress: string | null
  readonly userAgent: string | null
  readonly createdAt: string
}

describe("the API request log over HTTP and PostgreSQL", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let keyA: string
  let keyB: string
  let sendingKey: string
  let sendingKeyId: number
  let teamA: number

  const call = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", "User-Agent": AGENT },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await res.text()
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, text }
  }
  const logsOf = async (key: string, params = "") => {
    const res = await call(key, "GET", `/logs${params}`)
    expect(res.status, res.text).toBe(200)
    return res.body as unknown as { data: Array<Logged>; meta: { total: number; totalPages: number } }
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startTestServer({ databaseUrl: db.url })
    keyA = await insertTeamWithKey(db.url, "Logged")
    keyB = await insertTeamWithKey(db.url, "Other")
    const [row] = await query<{ team_id: number }>(
      db.url,
      "SELECT team_id FROM api_keys WHERE key_prefix = $1",
      [keyA.slice(0, 12)]
    )
    teamA = row?.team_id as number
  })
  afterAll(async () => {
    await server?.close()
    await db?.drop()
  })

  it("keeps each authenticated request with its route template, status, key, address, agent and duration", async () => {
    const made = await call(keyA, "POST", "/api-keys", { name: "sender", permission: "sending_access" })
    expect(made.status, made.text).toBeLessThan(300)
    sendingKey = String(made.body.key)
    sendingKeyId = Number(made.body.id)
    // A secret in a query string and an address in a path must not reach the log.
    expect((await call(keyA, "GET", `/emails/em_missing?token=${QUERY_SECRET}`)).status).toBe(404)
    expect((await call(keyA, "DELETE", "/suppressions/someone%40example.com")).status).toBe(404)
    expect((await call(sendingKey, "GET", "/domains")).status).toBe(403)
    expect((await call(sendingKey, "POST", "/emails", { from: "x" })).status).toBe(400)
    // Not authenticated: nobody's request, so in no team's log.
    expect((await call("sk_live_nottherealkeyatall0123456789", "GET", "/domains")).status).toBe(401)

    // The GET /logs calls themselves are logged too: wait for the five above.
    const logged = await eventually(
      () => logsOf(keyA, "?per_page=100"),
      (page) => page.data.filter((e) => e.endpoint !== "/logs").length >= 5
    )
    const rows = logged.data.filter((e) => e.endpoint !== "/logs")
    expect(rows.map((e) => [e.method, e.endpoint, e.status]).reverse()).toEqual([
      ["POST", "/api-keys", 201],
      ["GET", "/emails/:id", 404],
      ["DELETE", "/suppressions/:email", 404],
      ["GET", "/domains", 403],
      ["POST", "/emails", 400]
    ])
    for (const e of rows) {
      expect(e.ipAddress).toMatch(/127\.0\.0\.1/)
      expect(e.userAgent).toBe(AGENT)
      expect(e.durationMs).toBeGreaterThanOrEqual(0)
      expect(e.durationMs).toBeLessThan(30_000)
    }
    const [sent] = rows
    expect([sent?.apiKeyId, sent?.actor]).toEqual([
      sendingKeyId,
      { kind: "api_key", id: String(sendingKeyId) }
    ])
  })

  it("stores no key, query string, address from a path or body", async () => {
    const rows = JSON.stringify(await query(db.url, "SELECT * FROM api_request_log"))
    const answer = (await call(keyA, "GET", "/logs?per_page=100")).text
    for (const text of [rows, answer]) {
      for (const secret of [keyA, keyB, sendingKey, QUERY_SECRET, "someone", "em_missing", "token="])
        expect(text).not.toContain(secret)
    }
  })

  it("filters by status class, method, endpoint, key and time, and pages", async () => {
    expect((await logsOf(keyA, "?status=4xx&per_page=100")).data.map((e) => e.status).sort()).toEqual([
      400, 403, 404, 404
    ])
    const posts = await logsOf(keyA, "?method=POST")
    expect(posts.data.map((e) => e.endpoint).sort()).toEqual(["/api-keys", "/emails"])
    expect((await logsOf(keyA, `?endpoint=${encodeURIComponent("/emails/:id")}`)).data).toHaveLength(1)
    const byKey = await logsOf(keyA, `?api_key_id=${sendingKeyId}`)
    expect(byKey.data.map((e) => e.endpoint).sort()).toEqual(["/domains", "/emails"])
    const future = encodeURIComponent(new Date(Date.now() + 60_000).toISOString())
    expect((await logsOf(keyA, `?from=${future}`)).meta.total).toBe(0)
    const paged = await logsOf(keyA, "?status=4xx&per_page=3&page=2")
    expect(paged.meta).toMatchObject({ total: 4, totalPages: 2 })
    expect(paged.data).toHaveLength(1)
    for (const params of ["?status=6xx", "?method=TRACE", "?api_key_id=abc", "?to=soon", "?per_page=0"]) {
      const res = await call(keyA, "GET", `/logs${params}`)
      expect(res.status, params).toBe(400)
      expect(res.body).toMatchObject({ code: "invalid_request" })
    }
  })

  it("never shows one team another team's requests; sending keys may not read it", async () => {
    await logsOf(keyB)
    const mine = await eventually(
      () => logsOf(keyB),
      // The page's rows, not its total: the log is written beside the request, so a row can land
      // between the page's query and its count.
      (page) => page.data.length > 0
    )
    // Team B sees only its own GET /logs calls.
    expect(new Set(mine.data.map((e) => e.endpoint))).toEqual(new Set(["/logs"]))
    const refused = await call(sendingKey, "GET", "/logs")
    expect(refused.status).toBe(403)
  })

  it("deletes requests past the configured retention in the worker's purge task", async () => {
    await query(
      db.url,
      `INSERT INTO api_request_log (team_id, actor_kind, actor_id, method, endpoint, status, duration_ms, requested_at)
       SELECT $1, 'api_key', '1', 'GET', '/old', 200, 1, now() - interval '8 days' - g * interval '1 second'
       FROM generate_series(1, 30) g`,
      [teamA]
    )
    await query(
      db.url,
      `INSERT INTO api_request_log (team_id, actor_kind, actor_id, method, endpoint, status, duration_ms, requested_at)
       VALUES ($1, 'api_key', '1', 'GET', '/recent', 200, 1, now() - interval '6 days')`,
      [teamA]
    )
    const task = periodicTasks.find((t) => t.name === "logs.purge")
    expect(task?.every).toBe("1 hour")
    const database = PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 })
    await Effect.runPromise(
      (task?.run ?? Effect.die("no logs.purge task")).pipe(
        Effect.provide(purgeLayers.pipe(Layer.provide(database))),
        Effect.withConfigProvider(
          ConfigProvider.fromMap(new Map([["POSTSTACK_REQUEST_LOG_RETENTION_DAYS", "7"]]))
        )
      ) as Effect.Effect<void>
    )
    const left = await query<{ endpoint: string }>(
      db.url,
      "SELECT DISTINCT endpoint FROM api_request_log WHERE endpoint IN ('/old', '/recent')"
    )
    expect(left.map((r) => r.endpoint)).toEqual(["/recent"])
  })
})
