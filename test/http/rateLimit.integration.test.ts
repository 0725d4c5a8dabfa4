import { randomBytes, randomUUID } from "node:crypto"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { launchServers, type Running } from "../apps/processes.js"
import { createTestDatabase } from "../support/database.js"
import { startTestServer, TEST_ENCRYPTION_KEY, type TestServer } from "../support/server.js"

const LIMIT = 20
const WINDOW_MS = 5_000

const alignToWindow = () => new Promise((r) => setTimeout(r, WINDOW_MS - (Date.now() % WINDOW_MS) + 20))

/** The counts a server keeps in Redis under `prefix`, by key. */
const countsInRedis = async (prefix: string) => {
  const redis = new Redis(inject("redisUrl"))
  try {
    const keys = await redis.keys(`${prefix}*`)
    const values = keys.length === 0 ? [] : await redis.mget(...keys)
    return new Map(keys.map((k, i) => [k, Number(values[i])]))
  } finally {
    redis.disconnect()
  }
}

const suite = (store: "memory" | "redis") =>
  describe(`per-key rate limits (${store} store)`, () => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>
    let server: TestServer
    let key: string
    let secondKey: string
    const prefix = `test:${randomUUID()}:`
    const logs: Array<string> = []
    beforeAll(async () => {
      db = await createTestDatabase()
      server = await startTestServer({
        databaseUrl: db.url,
        rateLimit: { limit: LIMIT, windowMs: WINDOW_MS },
        authFailureLimit: 5,
        logSink: (line) => logs.push(line),
        ...(store === "redis" ? { redisUrl: inject("redisUrl"), redisPrefix: prefix } : {})
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
      if (store === "redis") {
        // Counted in Redis, not by the in-process fallback: each key's hits are one count there.
        // The burst's 51 hits are one count; the second key's request is another of 1, and the
        // set-up's POST may still be counted in an earlier window until its key expires.
        const counts = [...(await countsInRedis(prefix)).values()].sort((a, b) => a - b)
        expect(counts.at(-1)).toBe(51)
        expect(counts.slice(0, -1).length).toBeGreaterThanOrEqual(1)
        expect(counts.slice(0, -1).every((n) => n === 1)).toBe(true)
        expect(logs.join("\n")).not.toContain("Redis unavailable")
      }
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
      if (store === "redis") {
        expect([...(await countsInRedis(prefix)).values()]).toContain(8)
        expect(logs.join("\n")).not.toContain("Redis unavailable")
      }
    })
  })

suite("memory")
suite("redis")

describe("per-key rate limits across processes", () => {
  const running: Array<Running> = []
  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL")
  })

  it("shares one budget between two server processes on the same Redis", async () => {
    const db = await createTestDatabase()
    const key = `sk_live_${randomBytes(24).toString("base64url")}`
    const prefix = `test:${randomUUID()}:`
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: inject("redisUrl"),
      POSTSTACK_REDIS_PREFIX: prefix,
      POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      POSTSTACK_BOOTSTRAP_API_KEY: key,
      POSTSTACK_RATE_LIMIT_REQUESTS: String(LIMIT),
      POSTSTACK_RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_MS / 1000),
      POSTSTACK_RUN_WORKER: "false",
      POSTSTACK_HOST: "127.0.0.1",
      POSTSTACK_LOG_LEVEL: "warning"
    }
    try {
      // Both start at once on one database (migrations and the first team happen once).
      const [a, b] = await launchServers(2, env, running)
      const ports = [a?.port, b?.port]
      expect(a?.server.child.pid).not.toBe(b?.server.child.pid)
      await alignToWindow()
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          fetch(`http://127.0.0.1:${ports[i % 2]}/api-keys`, { headers: { Authorization: `Bearer ${key}` } })
        )
      )
      const statuses = responses.map((r) => r.status)
      for (const r of responses) await r.body?.cancel()
      // Each process alone would let 20 through (40 in all); together they let 20 through.
      expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT)
      expect(statuses.filter((s) => s === 429)).toHaveLength(40 - LIMIT)
      expect([...(await countsInRedis(prefix)).values()]).toEqual([40])
      for (const p of [a, b]) expect(p?.server.output()).not.toContain("Redis unavailable")
    } finally {
      await Promise.all(running.splice(0).map((p) => p.stop()))
      await db.drop()
    }
  }, 150_000)

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
