import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"

const LIMIT = 20
const WINDOW_MS = 5_000

const alignToWindow = () => new Promise((r) => setTimeout(r, WINDOW_MS - (Date.now() % WINDOW_MS) + 20))

const suite = (store: "memory" | "redis") =>
  describe(`per-key rate limits (${store} store)`, () => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>
    let server: TestServer
    let key: string
    let secondKey: string
    beforeAll(async () => {
      db = await createTestDatabase()
      server = await startTestServer({
        databaseUrl: db.url,
        rateLimit: { limit: LIMIT, windowMs: WINDOW_MS },
        authFailureLimit: 5,
        ...(store === "redis" ? { redisUrl: inject("redisUrl") } : {})
      })
      key = (await server.bootstrap()) ?? ""
      const created = await fetch(`${server.baseUrl}/api-keys`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ name: "second", permission: "full_access", allow_full_access: true })
      })
      secondKey = ((await created.json()) as { key: string }).key
    })
    afterAll(async () => {
      await server.close()
      await db.drop()
    })

    it("lets exactly the limit through under parallel load, then 429s with Retry-After, per key", async () => {
      // Windows are fixed: start right after a boundary so the whole burst lands in one.
      await alignToWindow()
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          fetch(`${server.baseUrl}/api-keys`, { headers: { Authorization: `Bearer ${key}` } })
        )
      )
      const ok = responses.filter((r) => r.status === 200)
      const limited = responses.filter((r) => r.status === 429)
      expect(ok).toHaveLength(LIMIT)
      expect(limited).toHaveLength(50 - LIMIT)
      for (const r of ok) {
        expect(r.headers.get("x-ratelimit-limit")).toBe(String(LIMIT))
        expect(Number(r.headers.get("x-ratelimit-remaining"))).toBeGreaterThanOrEqual(0)
        expect(r.headers.get("retry-after")).toBeNull()
      }
      const remaining = ok.map((r) => Number(r.headers.get("x-ratelimit-remaining"))).sort((a, b) => a - b)
      expect(remaining).toEqual(Array.from({ length: LIMIT }, (_, i) => i))
      const sample = limited[0]
      expect(sample?.headers.get("x-ratelimit-remaining")).toBe("0")
      const retryAfter = Number(sample?.headers.get("retry-after"))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000)
      expect(sample?.headers.get("x-ratelimit-reset")).toBe(String(retryAfter))
      expect(await sample?.json()).toEqual({ error: "Too many requests", code: "rate_limit_exceeded" })
      for (const r of [...ok, ...limited.slice(1)]) await r.body?.cancel()
      // The first key is spent for this window; the second key's budget is untouched.
      const res = await fetch(`${server.baseUrl}/api-keys`, {
        headers: { Authorization: `Bearer ${secondKey}` }
      })
      expect(res.status).toBe(200)
      expect(res.headers.get("x-ratelimit-remaining")).toBe(String(LIMIT - 1))
      const stillLimited = await fetch(`${server.baseUrl}/api-keys`, {
        headers: { Authorization: `Bearer ${key}` }
      })
      expect(stillLimited.status).toBe(429)
      await res.body?.cancel()
      await stillLimited.body?.cancel()
    })

    it("answers repeated bad keys from one address with 429 once past the failure budget", async () => {
      const statuses: Array<number> = []
      for (let i = 0; i < 8; i++) {
        const res = await fetch(`${server.baseUrl}/api-keys`, {
          headers: { Authorization: `Bearer sk_live_guess${i}guessguessguessguess` }
        })
        statuses.push(res.status)
        await res.body?.cancel()
      }
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
      expect(statuses.slice(5)).toEqual([429, 429, 429])
    })
  })

suite("memory")
suite("redis")

describe("per-key rate limits across processes", () => {
  it("shares one budget between two servers on the same Redis", async () => {
    const db = await createTestDatabase()
    const redisUrl = inject("redisUrl")
    const shared = {
      databaseUrl: db.url,
      redisUrl,
      redisPrefix: `test:${Date.now()}:`,
      rateLimit: { limit: LIMIT, windowMs: WINDOW_MS }
    }
    const a = await startTestServer(shared)
    const b = await startTestServer(shared)
    try {
      const key = (await a.bootstrap()) ?? ""
      await alignToWindow()
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          fetch(`${(i % 2 === 0 ? a : b).baseUrl}/api-keys`, { headers: { Authorization: `Bearer ${key}` } })
        )
      )
      expect(responses.filter((r) => r.status === 200)).toHaveLength(LIMIT)
      for (const r of responses) await r.body?.cancel()
    } finally {
      await a.close()
      await b.close()
      await db.drop()
    }
  })

  it("keeps serving when Redis is unreachable, counting in process meanwhile", async () => {
    const db = await createTestDatabase()
    const server = await startTestServer({
      databaseUrl: db.url,
      redisUrl: "redis://127.0.0.1:1",
      rateLimit: { limit: 2, windowMs: WINDOW_MS }
    })
    try {
      const key = (await server.bootstrap()) ?? ""
      const statuses = []
      await alignToWindow()
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${server.baseUrl}/api-keys`, { headers: { Authorization: `Bearer ${key}` } })
        statuses.push(res.status)
        await res.body?.cancel()
      }
      expect(statuses).toEqual([200, 200, 429, 429])
    } finally {
      await server.close()
      await db.drop()
    }
  })
})
