import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Running } from "../apps/processes.js"
import { query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { freePort } from "../support/net.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import { startThrowawayPostgres } from "../support/throwawayPostgres.js"
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

describe("PostgreSQL stopped abruptly under load", () => {
  // A server of its own, with fsync on: it is crashed here, and what it acknowledged must survive.
  let pg: Awaited<ReturnType<typeof startThrowawayPostgres>>
  let dns: TestDnsServer
  let sink: SmtpSink
  const running: Array<Running> = []

  beforeAll(async () => {
    pg = await startThrowawayPostgres({ fsync: true })
    dns = await startDnsServer()
    sink = await startSmtpSink()
    dns.publish("receiver.test", "MX", "mx.receiver.test")
    dns.publish("mx.receiver.test", "A", "127.0.0.1")
  })
  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL")
    // Any of them may be missing when set-up failed; its own error is the one worth reading.
    await sink?.close()
    await dns?.close()
    await pg?.stop()
  })

  it("answers 503 while it is down, never 202; recovers by itself; loses nothing acknowledged", async () => {
    const key = newKey()
    const port = await freePort()
    const baseUrl = `http://127.0.0.1:${port}`
    const api = await startApi(processEnv({ databaseUrl: pg.url, dns, sink, port, key }))
    running.push(api)
    await addVerifiedDomain(baseUrl, key, dns, "outage.test")
    const worker = startWorker(processEnv({ databaseUrl: pg.url, dns, sink }))
    running.push(worker)
    const load = sendLoad({
      baseUrl,
      apiKey: key,
      from: "outage@outage.test",
      recipientDomain: "receiver.test",
      clients: 6
    })
    await waitUntil(() => load.attempts.filter((a) => a.status === 202).length >= 40 * SCALE, 30_000)
    // The worker is up and delivering before the database goes (a worker that starts while it is
    // down exits, for its supervisor to start again).
    await waitUntil(() => sink.received.length > 0, 60_000, worker.output)

    await pg.crash()
    const downSince = Date.now()
    await new Promise((r) => setTimeout(r, 1500 * SCALE))
    const ready = await fetch(`${baseUrl}/readyz`)
    expect(ready.status).toBe(503)
    const during = load.attempts.filter((a) => a.startedAt >= downSince)
    expect(during.length).toBeGreaterThan(0)
    expect(during.filter((a) => a.status === 202)).toEqual([])
    // Refusals are the contract's error (503), never a hang and never a connection reset.
    expect(new Set(during.map((a) => a.status))).toEqual(new Set([503]))

    await pg.restart()
    const upSince = Date.now()
    await waitUntil(() => load.attempts.some((a) => a.status === 202 && a.startedAt >= upSince), 15_000)
    const recoveredInMs = Math.min(
      ...load.attempts.filter((a) => a.status === 202 && a.startedAt >= upSince).map((a) => a.endedAt)
    )
    expect(recoveredInMs - upSince).toBeLessThan(10_000)
    await waitUntil(
      () => load.attempts.filter((a) => a.startedAt >= upSince && a.status === 202).length >= 20,
      30_000
    )
    const attempts = await load.stop()

    const acked = acknowledged(attempts)
    const stored = new Set(
      (await query<{ public_id: string }>(pg.url, "SELECT public_id FROM emails")).map((r) => r.public_id)
    )
    expect([...acked.values()].filter((a) => !stored.has(a.id))).toEqual([])
    // The worker rode out the outage too, and delivers everything acknowledged.
    const recipients = [...acked.values()].map((a) => a.recipient)
    await waitUntil(
      () => arrivals(sink, recipients).missing.length === 0,
      60_000,
      () =>
        `missing ${arrivals(sink, recipients).missing.length} of ${recipients.length}:\n${worker.output()}`
    )
    // Outcomes are kept until the database answers again and leases renewed before anything new is
    // claimed, so a second copy is rare: at most one per connection slot to the receiver.
    expect(arrivals(sink, recipients).duplicated.length).toBeLessThanOrEqual(4)
    console.log(
      `postgres outage: ${acked.size} acknowledged, ${during.length} refused with 503 while down, first 202 ${recoveredInMs - upSince} ms after restart, ${arrivals(sink, recipients).duplicated.length} duplicate copies`
    )
  }, 180_000)
})
