import { PgDatabase } from "@poststack/adapters-persistence"
import type { PeriodicTask } from "@poststack/application"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"

const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The delivery queue under a bulk backlog: transactional mail first, bulk mail shared between
 * teams, each team's bulk mail held to its plan's hourly rate by every worker together. Bulk mail
 * is accepted through the API and marked bulk in the database (as a broadcast's expansion writes
 * it) before any worker runs.
 */
describe("fair delivery: transactional first, bulk shared between teams and held to a rate", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  let server: TestServer
  const keys: Record<"a" | "b", string> = { a: "", b: "" }

  const startWorker = () =>
    ManagedRuntime.make(
      WorkerLive.layer(noTasks, jobs).pipe(
        Layer.provide(
          // Through a relay (the sink): no MX lookup per message, which a loaded machine's DNS
          // server can time out (a deferral of minutes) and which has nothing to do with fairness.
          testServices({ relayUrl: `smtp://127.0.0.1:${sink.port}` }).pipe(
            Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 }))
          )
        )
      )
    )
  const send = async (team: "a" | "b", tag: string, count: number) => {
    for (let offset = 0; offset < count; offset += 100) {
      const emails = Array.from({ length: Math.min(100, count - offset) }, (_, i) => ({
        from: `news@${team}.fair.test`,
        to: [`${tag}-${offset + i}@receiver.test`],
        subject: `${tag} ${offset + i}`,
        text: "Hello",
        tags: [tag]
      }))
      const res = await fetch(`${server.baseUrl}/emails/batch`, {
        method: "POST",
        headers: { Authorization: `Bearer ${keys[team]}`, "Content-Type": "application/json" },
        body: JSON.stringify({ emails })
      })
      expect(res.status).toBe(202)
    }
  }
  const markBulk = async (tag: string) => {
    await query(db.url, "UPDATE emails SET bulk = true WHERE $1 = ANY (tags)", [tag])
    await query(
      db.url,
      "UPDATE deliveries d SET bulk = true FROM emails e WHERE e.id = d.email_id AND $1 = ANY (e.tags)",
      [tag]
    )
  }
  /** The recipients the sink received with this tag, each as often as it came. */
  const received = (tag: string) =>
    sink.received.flatMap((m) => m.to).filter((to) => to.startsWith(`${tag}-`))
  const waitUntil = async (what: string, check: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await sleep(20)
    }
  }
  const expectEachOnce = (tag: string, count: number) => {
    const got = received(tag)
    expect(got).toHaveLength(count)
    expect(new Set(got).size).toBe(count)
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    server = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      rateLimit: { limit: 10_000, windowMs: 1000 }
    })
    keys.a = (await server.bootstrap()) ?? ""
    keys.b = await insertTeamWithKey(db.url, "team b")
    await addVerifiedDomain(server.baseUrl, keys.a, dns, "a.fair.test")
    await addVerifiedDomain(server.baseUrl, keys.b, dns, "b.fair.test")
    dns.publish("receiver.test", "MX", "mx.receiver.test")
    dns.publish("mx.receiver.test", "A", "127.0.0.1")
  }, 60_000)
  afterAll(async () => {
    await server.close()
    await sink.close()
    await dns.close()
    await db.drop()
  })

  it("delivers password resets of both teams and another team's small broadcast while a big broadcast is still draining, each message once", async () => {
    const big = 3000
    const small = 200
    await send("a", "big", big)
    await markBulk("big")
    await send("b", "small", small)
    await markBulk("small")
    const worker = startWorker()
    try {
      await worker.runPromise(Effect.void)
      // The worker is busy with the backlog before anything else is sent.
      await waitUntil("the first bulk messages", () => received("big").length >= 50, 60_000)
      await send("a", "reset-a", 1)
      await send("b", "reset-b", 1)
      await waitUntil(
        "both password resets",
        () => received("reset-a").length + received("reset-b").length === 2,
        60_000
      )
      const bigWhenResetsArrived = received("big").length
      await waitUntil("the small broadcast", () => received("small").length === small, 120_000)
      const bigWhenSmallDone = received("big").length
      await waitUntil("the big broadcast", () => received("big").length === big, 300_000)
      // Claimed first: the resets were not queued behind the thousands of bulk messages before them.
      expect(bigWhenResetsArrived).toBeLessThan(big / 2)
      // Shared: the small broadcast, queued after the big one, did not wait for it to drain.
      expect(bigWhenSmallDone).toBeLessThan(big / 2)
      await sleep(500)
      expectEachOnce("big", big)
      expectEachOnce("small", small)
      expectEachOnce("reset-a", 1)
      expectEachOnce("reset-b", 1)
      console.log(
        `bulk messages delivered before the resets arrived: ${bigWhenResetsArrived}; of the big broadcast when the small one was done: ${bigWhenSmallDone} of ${big}`
      )
    } finally {
      await worker.dispose()
    }
    const [left] = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM deliveries WHERE status <> 'delivered'"
    )
    expect(left?.n).toBe(0)
  }, 900_000)

  it("holds a team's bulk mail to its plan's hourly rate across two workers, never its transactional mail, and sends the rest once the rate allows", async () => {
    // The count is per clock hour: not started just before one ends.
    const toNextHour = 3_600_000 - (Date.now() % 3_600_000)
    if (toNextHour < 90_000) await sleep(toNextHour + 1_000)
    const rate = 150
    await query(
      db.url,
      "INSERT INTO plans (id, name, retention_days, bulk_hourly_limit) VALUES ('news', 'News', 30, $1)",
      [rate]
    )
    const [team] = await query<{ team_id: number }>(
      db.url,
      "SELECT team_id FROM domains WHERE name = 'a.fair.test'"
    )
    await query(db.url, "INSERT INTO team_billing (team_id, plan_id) VALUES ($1, 'news')", [team?.team_id])
    await send("a", "rated", 400)
    await markBulk("rated")
    await send("a", "receipt", 30)
    // Judged on the rows, not only at the sink: on a loaded machine a slow exchange may be deferred
    // (a real attempt, counted) and retried minutes later.
    const rows = async () =>
      query<{ tag: string; status: string; tried: boolean; n: number }>(
        db.url,
        `SELECT e.tags[1] AS tag, d.status, d.attempts > 0 AS tried, count(*)::int AS n
         FROM deliveries d JOIN emails e ON e.id = d.email_id
         WHERE e.tags[1] IN ('rated', 'receipt') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`
      )
    const count = (
      all: Awaited<ReturnType<typeof rows>>,
      tag: string,
      test: (r: (typeof all)[number]) => boolean
    ) => all.filter((r) => r.tag === tag && test(r)).reduce((n, r) => n + r.n, 0)
    const claimedThisHour = async () =>
      (
        await query<{ claimed: number }>(
          db.url,
          "SELECT claimed::int FROM bulk_sending_hours WHERE team_id = $1",
          [team?.team_id]
        )
      )[0]?.claimed ?? 0
    const settle = async (what: string, done: (all: Awaited<ReturnType<typeof rows>>) => boolean) => {
      const deadline = Date.now() + 240_000
      for (;;) {
        const all = await rows()
        if (done(all) && all.every((r) => r.status !== "sending")) return all
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(all)}`)
        await sleep(200)
      }
    }
    const workers = [startWorker(), startWorker()]
    try {
      await Promise.all(workers.map((w) => w.runPromise(Effect.void)))
      await settle(
        "the receipts and the rate's worth of bulk mail",
        (all) => count(all, "receipt", (r) => r.tried) === 30 && count(all, "rated", (r) => r.tried) >= rate
      )
      // Both workers keep claiming for a while: nothing more is tried this hour.
      await sleep(3_000)
      const held = await settle("settled claims", () => true)
      // Every receipt was taken at once, whatever the rate; exactly the rate's worth of bulk mail was
      // tried, and the rest is held back, not failed: still queued, never tried.
      expect(count(held, "receipt", (r) => r.tried)).toBe(30)
      expect(count(held, "rated", (r) => r.tried)).toBe(rate)
      expect(count(held, "rated", (r) => !r.tried && r.status === "queued")).toBe(400 - rate)
      expect(await claimedThisHour()).toBe(rate)
      // What reached the sink reached it once.
      expect(new Set(received("rated")).size).toBe(received("rated").length)
      expect(received("rated").length).toBeLessThanOrEqual(rate)

      // The operator lifts the rate: the rest is tried too, each once at the sink.
      await query(db.url, "UPDATE plans SET bulk_hourly_limit = NULL WHERE id = 'news'")
      await settle("the rest of the bulk mail", (all) => count(all, "rated", (r) => r.tried) === 400)
      await sleep(500)
      expect(new Set(received("rated")).size).toBe(received("rated").length)
      expect(new Set(received("receipt")).size).toBe(received("receipt").length)
    } finally {
      await Promise.all(workers.map((w) => w.dispose()))
    }
  }, 900_000)
})
