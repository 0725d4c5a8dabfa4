import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Running } from "../apps/processes.js"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { freePort } from "../support/net.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import {
  acknowledged,
  arrivals,
  newKey,
  processEnv,
  SCALE,
  sendLoad,
  startApi,
  startWorker,
  waitUntil
} from "./harness.js"

describe("workers and the API stopped at the worst moments", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  let key: string
  let baseUrl: string
  let port: number
  const running: Array<Running> = []

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    dns.publish("receiver.test", "MX", "mx.receiver.test")
    dns.publish("mx.receiver.test", "A", "127.0.0.1")
    key = newKey()
    port = await freePort()
    baseUrl = `http://127.0.0.1:${port}`
    running.push(await startApi(processEnv({ databaseUrl: db.url, dns, sink, port, key })))
    await addVerifiedDomain(baseUrl, key, dns, "stops.test")
  })
  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL")
    await sink.close()
    await dns.close()
    await db.drop()
  })

  const sendOne = async (recipient: string) => {
    const res = await fetch(`${baseUrl}/emails`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ from: "a@stops.test", to: [recipient], subject: "Hi", text: "Hello" })
    })
    expect(res.status).toBe(202)
    return ((await res.json()) as { id: string }).id
  }

  it("SIGKILL between the receiver's 250 and the record: sent again later with the same Message-ID", async () => {
    const id = await sendOne("between@receiver.test")
    // Holding the email's row makes the worker wait right after the 250, before it can record.
    const holder = new pg.Client({ connectionString: db.url })
    await holder.connect()
    await holder.query("BEGIN")
    await holder.query("SELECT id FROM emails WHERE public_id = $1 FOR UPDATE", [id])
    const env = processEnv({ databaseUrl: db.url, dns, sink })
    const first = startWorker(env)
    running.push(first)
    await waitUntil(
      () => arrivals(sink, ["between@receiver.test"]).missing.length === 0,
      30_000,
      first.output
    )
    await new Promise((r) => setTimeout(r, 300))
    expect(await first.stop("SIGKILL")).toBeNull()
    // The dead worker's record already reached the database and waits there for the lock; it
    // would still commit once the lock is free. Ending that backend stands for a worker that died
    // before its record was sent.
    const ended = await holder.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`
    )
    expect(ended.rowCount).toBe(1)
    await holder.query("ROLLBACK")
    await holder.end()
    const [before] = await query<{ status: string }>(
      db.url,
      "SELECT d.status FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE e.public_id = $1",
      [id]
    )
    // Nothing was recorded: to the database the delivery is still in the dead worker's hands.
    expect(before?.status).toBe("sending")

    const second = startWorker(env)
    running.push(second)
    await waitUntil(
      async () =>
        (await query<{ status: string }>(db.url, "SELECT status FROM emails WHERE public_id = $1", [id]))[0]
          ?.status === "delivered",
      30_000,
      second.output
    )
    await second.stop("SIGTERM")
    const copies = sink.received.filter((m) => m.to.includes("between@receiver.test"))
    expect(copies).toHaveLength(2)
    const [email] = await query<{ message_id: string }>(
      db.url,
      "SELECT message_id FROM emails WHERE public_id = $1",
      [id]
    )
    for (const copy of copies) expect(copy.raw.toString()).toContain(`Message-ID: ${email?.message_id}`)
  }, 90_000)

  it("SIGTERM under load: the API answers what it took in, the worker settles what it claimed", async () => {
    const count = 200 * SCALE
    for (let i = 0; i < count; i += 100) {
      const res = await fetch(`${baseUrl}/emails/batch`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          emails: Array.from({ length: 100 }, (_, j) => ({
            from: "a@stops.test",
            to: [`drain${i + j}@receiver.test`],
            subject: "Drain",
            text: "Hello"
          }))
        })
      })
      expect(res.status).toBe(202)
    }
    const recipients = Array.from({ length: count }, (_, i) => `drain${i}@receiver.test`)
    sink.dataDelayMs = 30
    const env = processEnv({ databaseUrl: db.url, dns, sink })
    const worker = startWorker(env)
    running.push(worker)
    await waitUntil(() => count - arrivals(sink, recipients).missing.length >= 20, 30_000, worker.output)

    // The API, under load too, is told to stop while the worker is mid-flow.
    const load = sendLoad({
      baseUrl,
      apiKey: key,
      from: "a@stops.test",
      recipientDomain: "receiver.test",
      clients: 4
    })
    await waitUntil(() => load.attempts.filter((a) => a.status === 202).length >= 20, 30_000)
    const api = running[0]
    const [apiExit, workerExit] = await Promise.all([api?.stop("SIGTERM"), worker.stop("SIGTERM")])
    expect(workerExit).toBe(0)
    expect(apiExit).toBe(0)
    const stopped = await load.stop()
    sink.dataDelayMs = 0

    // Nothing is left half-done: every delivery is delivered or still waiting, none in a dead hand.
    const states = await query<{ status: string; n: number }>(
      db.url,
      "SELECT status, count(*)::int AS n FROM deliveries WHERE recipient LIKE 'drain%' GROUP BY status"
    )
    expect(states.filter((s) => s.status !== "delivered" && s.status !== "queued")).toEqual([])
    const acked = acknowledged(stopped)
    const stored = new Set(
      (await query<{ public_id: string }>(db.url, "SELECT public_id FROM emails")).map((r) => r.public_id)
    )
    expect([...acked.values()].filter((a) => !stored.has(a.id))).toEqual([])

    // Started again, they finish the rest: every message once.
    running[0] = await startApi(processEnv({ databaseUrl: db.url, dns, sink, port, key }))
    const again = startWorker(env)
    running.push(again)
    const all = [...recipients, ...[...acked.values()].map((a) => a.recipient)]
    await waitUntil(() => arrivals(sink, all).missing.length === 0, 60_000, again.output)
    expect(arrivals(sink, all).duplicated).toEqual([])
    console.log(
      `sigterm: ${states.find((s) => s.status === "delivered")?.n ?? 0} of ${count} delivered before the stop, ${acked.size} API sends acknowledged under load, none lost or doubled`
    )
  }, 120_000)
})
