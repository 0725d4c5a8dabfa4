import { randomUUID } from "node:crypto"
import { MemoryRateLimiterStore, RedisRateLimiterStore } from "@poststack/adapters-persistence"
import { RateLimiterStore } from "@poststack/application"
import { Effect, Either, type Layer, ManagedRuntime, Redacted } from "effect"
import { Redis } from "ioredis"
import { afterAll, describe, expect, inject, it } from "vitest"

const contract = (name: string, layer: () => Layer.Layer<RateLimiterStore>) =>
  describe(`rate limiter store: ${name}`, () => {
    const runtime = ManagedRuntime.make(layer())
    afterAll(() => runtime.dispose())
    const hit = (subject: string, start: number, windowMs = 60_000) =>
      runtime.runPromise(Effect.flatMap(RateLimiterStore, (s) => s.hit(subject, start, windowMs)))

    it("counts every one of many parallel hits exactly once", async () => {
      const subject = randomUUID()
      const start = Date.now() - (Date.now() % 60_000)
      const counts = await Promise.all(Array.from({ length: 200 }, () => hit(subject, start)))
      expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 200 }, (_, i) => i + 1)
      )
      for (const c of counts) expect(c.resetInMs).toBeGreaterThan(0)
    })

    it("keeps a long window's count while short windows of other subjects come and go", async () => {
      const slow = randomUUID()
      const now = Date.now()
      // Starting the long window now keeps its end a minute away whatever the wall clock reads.
      const slowStart = now
      for (let i = 0; i < 3; i++) await hit(slow, slowStart, 60_000)
      const fast = randomUUID()
      const fastStart = now - (now % 100)
      await hit(fast, fastStart, 100)
      await new Promise((r) => setTimeout(r, 1200))
      const later = Date.now()
      await hit(fast, later - (later % 100), 100)
      expect((await hit(slow, slowStart, 60_000)).count).toBe(4)
    })

    it("starts a new window from zero and keeps subjects apart", async () => {
      const subject = randomUUID()
      const start = Date.now() - (Date.now() % 60_000)
      await hit(subject, start)
      await hit(subject, start)
      expect((await hit(subject, start + 60_000)).count).toBe(1)
      expect((await hit(randomUUID(), start)).count).toBe(1)
    })
  })

contract("memory", () => MemoryRateLimiterStore.layer)
contract("redis", () => RedisRateLimiterStore.layer(Redacted.make(inject("redisUrl"))))

// Two connections in one process; test/http/rateLimit.integration.test.ts runs two server processes.
describe("rate limiter store: redis across connections", () => {
  it("shares one count between separate connections", async () => {
    const url = Redacted.make(inject("redisUrl"))
    const prefix = `test:${randomUUID()}:`
    const a = ManagedRuntime.make(RedisRateLimiterStore.layer(url, prefix))
    const b = ManagedRuntime.make(RedisRateLimiterStore.layer(url, prefix))
    try {
      const subject = randomUUID()
      const start = Date.now() - (Date.now() % 60_000)
      const hits = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? a : b).runPromise(
            Effect.flatMap(RateLimiterStore, (s) => s.hit(subject, start, 60_000))
          )
        )
      )
      expect(Math.max(...hits.map((h) => h.count))).toBe(50)
      // The count lives in Redis itself, where any other process reads it.
      const redis = new Redis(inject("redisUrl"))
      const stored = await redis.get(`${prefix}rl:${subject}:${start}`).finally(() => redis.disconnect())
      expect(stored).toBe("50")
    } finally {
      await a.dispose()
      await b.dispose()
    }
  })

  it("reports an unreachable Redis as StoreUnavailable, not a crash", async () => {
    const runtime = ManagedRuntime.make(RedisRateLimiterStore.layer(Redacted.make("redis://127.0.0.1:1")))
    try {
      const result = await runtime.runPromise(
        Effect.either(Effect.flatMap(RateLimiterStore, (s) => s.hit("x", 0, 1000)))
      )
      expect(Either.isLeft(result) && result.left._tag).toBe("StoreUnavailable")
    } finally {
      await runtime.dispose()
    }
  })
})
