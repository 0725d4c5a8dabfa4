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

describe("the API process killed under load", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  const running: Array<Running> = []

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    dns.publish("receiver.test", "MX", "mx.receiver.test")
    dns.publish("mx.receiver.test", "A", "127.0.0.1")
  })
  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL")
    await sink.close()
    await dns.close()
    await db.drop()
  })

  it("loses nothing it acknowledged; retries with the same idempotency key get the same ids", async () => {
    const key = newKey()
    const port = await freePort()
    const env = processEnv({ databaseUrl: db.url, dns, sink, port, key })
    const baseUrl = `http://127.0.0.1:${port}`
    const first = await startApi(env)
    running.push(first)
    await addVerifiedDomain(baseUrl, key, dns, "crash-api.test")
    const load = sendLoad({
      baseUrl,
      apiKey: key,
      from: "Shop <shop@crash-api.test>",
      recipientDomain: "receiver.test",
      clients: 8
    })
    await waitUntil(() => load.attempts.filter((a) => a.status === 202).length >= 50 * SCALE, 30_000)
    expect(await first.stop("SIGKILL")).toBeNull()
    const killedAt = Date.now()
    // The clients keep retrying against the dead port; a new process takes over.
    await new Promise((r) => setTimeout(r, 500))
    const second = await startApi(env)
    running.push(second)
    await waitUntil(
      () => load.attempts.filter((a) => a.status === 202 && a.startedAt > killedAt).length >= 50 * SCALE,
      30_000
    )
    const attempts = await load.stop()

    // Some requests were cut off by the kill, and were retried.
    expect(attempts.some((a) => a.status === 0)).toBe(true)
    const acked = acknowledged(attempts)
    // Every acknowledged key is exactly one email, with the id the client was given.
    const rows = await query<{ idempotency_key: string; public_id: string }>(
      db.url,
      "SELECT idempotency_key, public_id FROM emails"
    )
    const byKey = new Map<string, Array<string>>()
    for (const r of rows) {
      const k = r.idempotency_key.split(":").at(-1) ?? ""
      byKey.set(k, [...(byKey.get(k) ?? []), r.public_id])
    }
    for (const [k, { id }] of acked) expect(byKey.get(k)).toEqual([id])
    // A key answered twice (the answer was lost in the kill, or a retry raced it) kept its id.
    for (const a of attempts) if (a.status === 202) expect(a.id).toBe(acked.get(a.key)?.id)

    // And a worker delivers every one of them.
    const worker = startWorker(processEnv({ databaseUrl: db.url, dns, sink }))
    running.push(worker)
    const recipients = [...acked.values()].map((v) => v.recipient)
    await waitUntil(
      () => arrivals(sink, recipients).missing.length === 0,
      60_000,
      () =>
        `missing ${arrivals(sink, recipients).missing.length} of ${recipients.length}:\n${worker.output()}`
    )
    expect(arrivals(sink, recipients).duplicated).toEqual([])
    console.log(
      `api crash: ${acked.size} acknowledged, ${attempts.filter((a) => a.status === 0).length} attempts cut off and retried, ${attempts.filter((a) => a.replayed).length} answered as replays`
    )
  }, 180_000)
})
