import { type ChildProcess, spawn } from "node:child_process"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Running } from "../apps/processes.js"
import { createTestDatabase } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { freePort } from "../support/net.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import { newKey, processEnv, startApi, startWorker, waitUntil } from "./harness.js"

/** A Redis of this test's own, so that stopping it disturbs no other test. */
const startRedis = async (port: number) => {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore"
    }
  )
  const answers = async () => {
    const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => null })
    probe.on("error", () => {})
    const ok = await probe.connect().then(
      () => true,
      () => false
    )
    probe.disconnect()
    return ok
  }
  await waitUntil(answers, 10_000)
  return { child, client: new Redis(`redis://127.0.0.1:${port}`) }
}

describe("Redis flushed or stopped", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  let redis: { child: ChildProcess; client: Redis }
  let redisPort: number
  const running: Array<Running> = []

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    dns.publish("receiver.test", "MX", "mx.receiver.test")
    dns.publish("mx.receiver.test", "A", "127.0.0.1")
    redisPort = await freePort()
    redis = await startRedis(redisPort)
  })
  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL")
    redis.client.disconnect()
    redis.child.kill("SIGKILL")
    await sink.close()
    await dns.close()
    await db.drop()
  })

  it("keeps mail flowing; rate limits count per process while Redis is away, and shared again after", async () => {
    const key = newKey()
    const port = await freePort()
    const baseUrl = `http://127.0.0.1:${port}`
    const env = processEnv({
      databaseUrl: db.url,
      dns,
      sink,
      port,
      key,
      extra: {
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        POSTSTACK_RATE_LIMIT_REQUESTS: "20",
        POSTSTACK_RATE_LIMIT_WINDOW_SECONDS: "5"
      }
    })
    running.push(await startApi(env))
    running.push(startWorker(processEnv({ databaseUrl: db.url, dns, sink })))
    await addVerifiedDomain(baseUrl, key, dns, "redis.test")
    // Waits for a fresh rate-limit window, so a burst is not split across two.
    const nextWindow = () => new Promise((r) => setTimeout(r, 5000 - (Date.now() % 5000) + 20))
    const burst = async (label: string, n: number) => {
      const started = Date.now()
      const statuses = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          fetch(`${baseUrl}/emails`, {
            method: "POST",
            headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
            body: JSON.stringify({
              from: "a@redis.test",
              to: [`${label}${i}@receiver.test`],
              subject: label,
              text: "hello"
            })
          }).then((r) => r.status)
        )
      )
      return {
        accepted: statuses.filter((s) => s === 202).length,
        limited: statuses.filter((s) => s === 429).length,
        ms: Date.now() - started
      }
    }

    await nextWindow()
    const shared = await burst("before", 25)
    expect(shared).toMatchObject({ accepted: 20, limited: 5 })
    // The budget lives in Redis.
    expect((await redis.client.keys("*rl:*")).length).toBeGreaterThan(0)

    // Flushed: the counts start again, nothing else changes.
    await redis.client.flushall()
    await nextWindow()
    expect(await burst("flushed", 25)).toMatchObject({ accepted: 20, limited: 5 })

    // Stopped: the API keeps accepting, counting in process (the documented choice).
    redis.client.disconnect()
    redis.child.kill("SIGKILL")
    await new Promise((r) => setTimeout(r, 300))
    await nextWindow()
    const alone = await burst("alone", 25)
    expect(alone).toMatchObject({ accepted: 20, limited: 5 })

    // Back: shared counting resumes on its own.
    redis = await startRedis(redisPort)
    await waitUntil(async () => {
      await burst("probe", 1)
      return (await redis.client.keys("*rl:*")).length > 0
    }, 20_000)
    await nextWindow()
    expect(await burst("again", 25)).toMatchObject({ accepted: 20, limited: 5 })
    expect((await redis.client.keys("*rl:*")).length).toBeGreaterThan(0)

    // Every accepted message was delivered, Redis or not.
    const expected = ["before", "flushed", "alone", "again"].flatMap((l) =>
      Array.from({ length: 20 }, () => l)
    )
    await waitUntil(
      () =>
        sink.received.filter((m) => m.to.some((t) => /^(before|flushed|alone|again)\d+@/.test(t))).length >=
        expected.length,
      60_000
    )
  }, 120_000)
})
