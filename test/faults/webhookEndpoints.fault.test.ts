import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Running } from "../apps/processes.js"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { freePort } from "../support/net.js"
import { newKey, processEnv, SCALE, startApi, startReadyWorker, waitUntil } from "./harness.js"
import { type Arrival, type Hook, startLoggingReceiver } from "./loggingReceiver.js"

/** Short versions of the production schedule (30 s doubling to 1 h for 24 h), same code. */
const RETRY_BASE_MS = 200
const RETRY_MAX_MS = 2_500
const TIMEOUT_MS = 1_500
const PER_ENDPOINT = 4
const webhookEnv = {
  POSTSTACK_WEBHOOKS_ALLOW_LOOPBACK: "true",
  POSTSTACK_WEBHOOK_RETRY_BASE_MS: String(RETRY_BASE_MS),
  POSTSTACK_WEBHOOK_RETRY_MAX_MS: String(RETRY_MAX_MS),
  POSTSTACK_WEBHOOK_RETRY_WINDOW_MS: "300000",
  POSTSTACK_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
  // Only a 410 disables here; the failure count is covered elsewhere.
  POSTSTACK_WEBHOOK_DISABLE_AFTER: "100000",
  POSTSTACK_WEBHOOK_CONCURRENCY_PER_ENDPOINT: String(PER_ENDPOINT),
  POSTSTACK_WEBHOOK_LEASE_MS: "2500"
}
const WAIT_MS = 30_000 * SCALE

describe("webhook endpoints that fail, hang, throttle, leave and cut the line", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let receiver: Awaited<ReturnType<typeof startLoggingReceiver>>
  let baseUrl: string
  let key: string
  let testKey: string
  let teamId: number
  let env: Record<string, string>
  let worker: Running
  const running: Array<Running> = []

  const call = async (method: string, path: string, body?: unknown, as = key) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${as}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const createHook = async (path: string, events: ReadonlyArray<string>): Promise<Hook> => {
    const res = await call("POST", "/webhooks", { url: receiver.url(path), events })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return { id: (res.body.webhook as { id: number }).id, path }
  }
  const deleteHook = async (hook: Hook) =>
    expect((await call("DELETE", `/webhooks/${hook.id}`)).status).toBe(200)
  const getHook = async (hook: Hook) =>
    (await call("GET", `/webhooks/${hook.id}`)).body.webhook as {
      active: boolean
      disabledAt: string | null
      disabledReason: string | null
    }
  /** Every delivery of an endpoint through the API, page by page. */
  const deliveries = async (hook: Hook) => {
    const all: Array<{
      eventId: string
      status: string
      statusCode: number | null
      responseBody: string | null
      attempts: number
      success: boolean
    }> = []
    for (let page = 1; ; page++) {
      const res = await call("GET", `/webhooks/${hook.id}/deliveries?per_page=100&page=${page}`)
      const rows = res.body.deliveries as typeof all
      all.push(...rows)
      if (rows.length < 100) return all
    }
  }
  /** Each attempt the worker recorded, per event, in attempt order. */
  const recordedAttempts = async (hook: Hook) => {
    const rows = await query<{ event: string; codes: Array<number | null>; errors: Array<string | null> }>(
      db.url,
      `SELECT d.event_public_id AS event, array_agg(a.status_code ORDER BY a.attempt) AS codes,
         array_agg(a.error ORDER BY a.attempt) AS errors
       FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
       WHERE d.webhook_id = $1 GROUP BY d.event_public_id`,
      [hook.id]
    )
    return new Map(rows.map((r) => [r.event, r]))
  }
  /** Sends test-mode emails (each writes queued, sent and delivered events); answers their ids. */
  const sendEmails = async (count: number) => {
    const ids: Array<string> = []
    for (let i = 0; i < count; i++) {
      const res = await call(
        "POST",
        "/emails",
        { from: "shop@hooks.test", to: [`buyer${i}@example.com`], subject: "Order", text: "Thanks" },
        testKey
      )
      expect(res.status).toBe(202)
      ids.push(String(res.body.id))
    }
    return ids
  }
  /** Resolves once all three events of each email are in the outbox and fanned out. */
  const emailEventsWritten = (ids: ReadonlyArray<string>) =>
    waitUntil(
      async () =>
        (
          await query<{ n: number }>(
            db.url,
            `SELECT count(*)::int AS n FROM events WHERE payload->>'email_id' = ANY ($1)
               AND type IN ('email.queued', 'email.sent', 'email.delivered') AND fanned_out_at IS NOT NULL`,
            [ids]
          )
        )[0]?.n ===
        ids.length * 3,
      WAIT_MS,
      () => `events of ${ids.length} emails not all written:\n${worker.output()}`
    )
  const emit = (type: string) =>
    query<{ public_id: string }>(
      db.url,
      "INSERT INTO events (team_id, type, payload) VALUES ($1, $2, '{}') RETURNING public_id",
      [teamId, type]
    ).then((rows) => String(rows[0]?.public_id))

  /**
   * The checker: the events of the outbox an endpoint is subscribed to (from its creation on),
   * against the ones its receiver accepted: none missing, none unexpected, none twice.
   */
  const check = async (hook: Hook) => {
    const expected = new Set(
      (
        await query<{ public_id: string }>(
          db.url,
          `SELECT e.public_id FROM events e JOIN webhooks w ON w.team_id = e.team_id
           WHERE w.id = $1 AND e.created_at >= w.created_at AND ('*' = ANY (w.events) OR e.type = ANY (w.events))`,
          [hook.id]
        )
      ).map((r) => r.public_id)
    )
    const accepted = new Map<string, number>()
    for (const a of receiver.at(hook.path))
      if (a.accepted) accepted.set(a.eventId, (accepted.get(a.eventId) ?? 0) + 1)
    return {
      expected,
      missing: [...expected].filter((id) => !accepted.has(id)),
      unexpected: [...accepted.keys()].filter((id) => !expected.has(id)),
      duplicated: [...accepted].filter(([, n]) => n > 1).map(([id]) => id)
    }
  }
  const allArrived = (hook: Hook) =>
    waitUntil(
      async () => (await check(hook)).missing.length === 0,
      WAIT_MS,
      () => `not all events reached ${hook.path}:\n${worker.output()}`
    )
  /** Until the worker has written down every accepted attempt: the receiver sees it first. */
  const allRecorded = (hook: Hook) =>
    waitUntil(
      async () => {
        const accepted = new Set(
          receiver
            .at(hook.path)
            .filter((a) => a.accepted)
            .map((a) => a.eventId)
        )
        const rows = await query<{ event: string }>(
          db.url,
          "SELECT event_public_id AS event FROM webhook_deliveries WHERE webhook_id = $1 AND status = 'delivered'",
          [hook.id]
        )
        const recorded = new Set(rows.map((r) => r.event))
        return [...accepted].every((id) => recorded.has(id))
      },
      WAIT_MS,
      () => `not every accepted attempt at ${hook.path} was recorded:\n${worker.output()}`
    )
  /** Per event id, what the receiver saw, in order. */
  const byEvent = (path: string) => {
    const events = new Map<string, Array<Arrival>>()
    for (const a of receiver.at(path)) events.set(a.eventId, [...(events.get(a.eventId) ?? []), a])
    return events
  }
  const sameIdEverywhere = (path: string) => {
    for (const a of receiver.at(path)) expect(a.headerId, path).toBe(a.eventId)
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    receiver = await startLoggingReceiver()
    key = newKey()
    const port = await freePort()
    baseUrl = `http://127.0.0.1:${port}`
    env = processEnv({ databaseUrl: db.url, dns, port, key, extra: webhookEnv })
    running.push(await startApi(env))
    await addVerifiedDomain(baseUrl, key, dns, "hooks.test")
    const made = await call("POST", "/api-keys", { name: "t", permission: "sending_access", mode: "test" })
    testKey = String(made.body.key)
    const [row] = await query<{ team_id: number }>(db.url, "SELECT team_id FROM api_keys LIMIT 1")
    teamId = row?.team_id ?? 0
    worker = await startReadyWorker(processEnv({ databaseUrl: db.url, dns, extra: webhookEnv }))
    running.push(worker)
  })
  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL")
    await receiver?.close()
    await dns?.close()
    await db?.drop()
  })

  it("an endpoint answering 500 for a while gets every event once it answers 200, same id, attempts on record", async () => {
    let outage = true
    receiver.on("/flaky", () => (outage ? { status: 500 } : { status: 200 }))
    const hook = await createHook("/flaky", ["*"])
    const ids = await sendEmails(10 * SCALE)
    // The outage lasts long enough for several retries of the first events (backoff 200, 400, 800 ms).
    await waitUntil(
      () => {
        const failures = receiver.at("/flaky").filter((a) => a.status === 500)
        return failures.length >= 20 * SCALE && Date.now() - (failures[0]?.at ?? Date.now()) >= 2_000
      },
      WAIT_MS,
      worker.output
    )
    outage = false
    await emailEventsWritten(ids)
    await allArrived(hook)
    await allRecorded(hook)

    const result = await check(hook)
    expect(result.expected.size).toBe(30 * SCALE)
    expect([result.unexpected, result.duplicated]).toEqual([[], []])
    sameIdEverywhere("/flaky")
    const seen = byEvent("/flaky")
    const recorded = await recordedAttempts(hook)
    const listed = new Map((await deliveries(hook)).map((d) => [d.eventId, d]))
    for (const [id, arrivals] of seen) {
      // Every attempt the receiver answered is on record with the status it got, in order.
      expect(recorded.get(id)?.codes, id).toEqual(arrivals.map((a) => a.status))
      expect(listed.get(id), id).toMatchObject({
        status: "success",
        statusCode: 200,
        success: true,
        attempts: arrivals.length
      })
    }
    const retried = [...seen.values()].filter((a) => a.length > 1)
    expect(Math.max(...retried.map((a) => a.length))).toBeGreaterThanOrEqual(3)
    const attempts = receiver.at("/flaky").length
    console.log(
      `500-then-200: ${result.expected.size} events, ${attempts} attempts, ${retried.length} events retried (up to ${Math.max(...retried.map((a) => a.length))} attempts), none missing or doubled`
    )
    await deleteHook(hook)
  }, 60_000)

  it("a hanging endpoint times out and is retried while a healthy one of the same team gets its events", async () => {
    let hanging = true
    receiver.on("/hang", () => (hanging ? "hang" : { status: 200 }))
    const hang = await createHook("/hang", ["email.delivered"])
    const healthy = await createHook("/healthy", ["*"])
    const started = Date.now()
    const ids = await sendEmails(5 * SCALE)
    await emailEventsWritten(ids)
    await allArrived(healthy)
    const healthyDoneMs = Date.now() - started
    // At that moment no event of the hanging endpoint had gone through: all still waiting.
    const states = await query<{ status: string; n: number }>(
      db.url,
      "SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 GROUP BY status",
      [hang.id]
    )
    expect(states.filter((s) => s.status !== "pending" && s.status !== "sending")).toEqual([])
    expect(states.reduce((n, s) => n + s.n, 0)).toBe(5 * SCALE)
    const healthyLatency = Math.max(...receiver.at("/healthy").map((a) => a.at - started))

    // The hanging attempts end with a time-out on record, and the events are tried again.
    await waitUntil(() => [...byEvent("/hang").values()].some((a) => a.length >= 2), WAIT_MS, worker.output)
    const timedOut = await query<{ error: string; status_code: number | null; duration_ms: number }>(
      db.url,
      `SELECT a.error, a.status_code, a.duration_ms FROM webhook_attempts a
       JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.webhook_id = $1`,
      [hang.id]
    )
    expect(timedOut.length).toBeGreaterThan(0)
    for (const t of timedOut) {
      expect(t.error).toMatch(new RegExp(`timed out after ${TIMEOUT_MS} ms`))
      expect(t.status_code).toBeNull()
      expect(t.duration_ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50)
    }
    const listed = await deliveries(hang)
    expect(listed.some((d) => d.statusCode === null && /timed out/.test(d.responseBody ?? ""))).toBe(true)
    // Never more than the per-endpoint cap hanging at once.
    expect(receiver.peakOpen("/hang")).toBeLessThanOrEqual(PER_ENDPOINT)

    hanging = false
    await allArrived(hang)
    for (const hook of [hang, healthy]) {
      const result = await check(hook)
      expect([hook.path, result.unexpected, result.duplicated]).toEqual([hook.path, [], []])
    }
    sameIdEverywhere("/hang")
    console.log(
      `hang: healthy endpoint had all ${receiver.at("/healthy").length} events ${healthyDoneMs} ms after the first send (last at +${healthyLatency} ms) while ${5 * SCALE} hanging deliveries waited; ${timedOut.length} attempts timed out, at most ${receiver.peakOpen("/hang")} open at once`
    )
    await deleteHook(hang)
    await deleteHook(healthy)
  }, 90_000)

  it("an endpoint answering 410 Gone is disabled at once, not retried, and its team is told", async () => {
    receiver.on("/gone", () => ({ status: 410 }))
    const gone = await createHook("/gone", ["*"])
    const watcher = await createHook("/watcher", ["webhook.disabled"])
    // A test send reports the 410 and leaves the endpoint alone (someone is only trying it out).
    const tried = await call("POST", `/webhooks/${gone.id}/test`)
    expect(tried.body).toMatchObject({ success: false, status_code: 410 })
    expect((await getHook(gone)).active).toBe(true)
    const first = await sendEmails(1)
    await waitUntil(async () => !(await getHook(gone)).active, WAIT_MS, worker.output)
    const after = await getHook(gone)
    expect(after.disabledReason).toBe("endpoint answered 410 Gone")
    expect(after.disabledAt).not.toBeNull()
    await allArrived(watcher)
    const [disabled] = await query<{ payload: { webhook_id: number; reason: string } }>(
      db.url,
      "SELECT payload FROM events WHERE type = 'webhook.disabled'"
    )
    expect(disabled?.payload).toMatchObject({ webhook_id: gone.id, reason: "endpoint answered 410 Gone" })
    expect(receiver.at("/watcher").map((a) => JSON.parse(a.body).data.webhook_id)).toEqual([gone.id])

    // More events of the team: none reaches the gone endpoint, nothing is retried.
    await emailEventsWritten(first)
    const more = await sendEmails(2)
    await emailEventsWritten(more)
    await new Promise((r) => setTimeout(r, 1_000))
    const hits = receiver.at("/gone").filter((a) => JSON.parse(a.body).type !== "webhook.test")
    expect(hits.length).toBeGreaterThan(0)
    expect(hits.length).toBeLessThanOrEqual(PER_ENDPOINT)
    expect(new Set(hits.map((a) => a.eventId)).size).toBe(hits.length)
    for (const d of await deliveries(gone))
      expect(d).toMatchObject(
        d.attempts === 0 ? { status: "pending" } : { status: "failed", attempts: 1, statusCode: 410 }
      )
    const result = await check(watcher)
    expect([result.unexpected, result.duplicated]).toEqual([[], []])

    // The owner brings the URL back and turns the endpoint on: what waited goes out, a batch
    // replay sends what the 410s failed, and each event arrives once.
    receiver.on("/gone", () => ({ status: 200 }))
    const failed = (await deliveries(gone)).filter((d) => d.status === "failed").length
    expect((await call("PATCH", `/webhooks/${gone.id}`, { enabled: true })).status).toBe(200)
    expect(await getHook(gone)).toMatchObject({ active: true, disabledAt: null, disabledReason: null })
    expect((await call("POST", `/webhooks/${gone.id}/deliveries/batch-replay`, {})).body.replayed).toBe(
      failed
    )
    await waitUntil(
      async () => (await deliveries(gone)).every((d) => d.status === "success"),
      WAIT_MS,
      worker.output
    )
    const accepted = receiver.at("/gone").filter((a) => a.accepted)
    expect(accepted.length).toBe((await deliveries(gone)).length)
    expect(new Set(accepted.map((a) => a.eventId)).size).toBe(accepted.length)
    console.log(
      `410: disabled on the first answer; ${hits.length} event(s) already in flight tried once each, none retried, one webhook.disabled event`
    )
    await deleteHook(gone)
    await deleteHook(watcher)
  }, 60_000)

  it("an endpoint answering 429 with Retry-After is tried again no sooner, and no later than the longest delay", async () => {
    let dateMs = 0
    receiver.on("/throttled", (hit) => {
      if (hit.nth === 1) return { status: 429, headers: { "Retry-After": "1" } }
      if (hit.nth === 2) {
        dateMs = Math.ceil((Date.now() + 1_500) / 1000) * 1000
        return { status: 429, headers: { "Retry-After": new Date(dateMs).toUTCString() } }
      }
      // An hour asked: the longest delay is what it gets.
      if (hit.nth === 3) return { status: 429, headers: { "Retry-After": "3600" } }
      return { status: 200 }
    })
    const hook = await createHook("/throttled", ["test.throttle"])
    const id = await emit("test.throttle")
    await allArrived(hook)
    await allRecorded(hook)
    const [a1, a2, a3, a4] = receiver.at("/throttled")
    if (a1 === undefined || a2 === undefined || a3 === undefined || a4 === undefined)
      throw new Error("four attempts expected")
    expect(receiver.at("/throttled").map((a) => [a.eventId, a.status])).toEqual([
      [id, 429],
      [id, 429],
      [id, 429],
      [id, 200]
    ])
    const slack = 1_500
    const gap1 = a2.at - a1.answeredAt
    const gap3 = a4.at - a3.answeredAt
    expect(gap1).toBeGreaterThanOrEqual(1_000)
    expect(gap1).toBeLessThan(1_000 + slack)
    expect(a3.at).toBeGreaterThanOrEqual(dateMs)
    expect(a3.at).toBeLessThan(dateMs + slack)
    expect(gap3).toBeGreaterThanOrEqual(RETRY_MAX_MS)
    expect(gap3).toBeLessThan(RETRY_MAX_MS + slack)
    expect((await recordedAttempts(hook)).get(id)?.codes).toEqual([429, 429, 429, 200])
    console.log(
      `429: Retry-After 1 → next attempt after ${gap1} ms; HTTP-date ${dateMs - a2.answeredAt} ms ahead → after ${a3.at - a2.answeredAt} ms; 3600 → after ${gap3} ms (longest delay ${RETRY_MAX_MS})`
    )
    await deleteHook(hook)
  }, 60_000)

  it("an endpoint that drops the connection mid-response is retried and gets each event once", async () => {
    receiver.on("/dropping", (hit) => (hit.nth === 1 ? "drop" : { status: 200 }))
    const hook = await createHook("/dropping", ["*"])
    const ids = await sendEmails(5 * SCALE)
    await emailEventsWritten(ids)
    await allArrived(hook)
    await allRecorded(hook)
    const result = await check(hook)
    expect([result.unexpected, result.duplicated]).toEqual([[], []])
    sameIdEverywhere("/dropping")
    const recorded = await recordedAttempts(hook)
    for (const [id, arrivals] of byEvent("/dropping")) {
      expect(arrivals.map((a) => a.status)).toEqual(["drop", 200])
      expect(recorded.get(id)?.codes).toEqual([null, 200])
      expect(recorded.get(id)?.errors[0]).toMatch(/mid-response/)
    }
    console.log(
      `drop: ${result.expected.size} events, each cut off once mid-response and delivered once on the retry`
    )
    await deleteHook(hook)
  }, 60_000)

  it("the worker killed with attempts in flight loses nothing; only those attempts arrive twice", async () => {
    receiver.on("/slow", () => ({ status: 200, delayMs: 300 }))
    const hook = await createHook("/slow", ["*"])
    const ids = await sendEmails(10 * SCALE)
    await waitUntil(
      () => receiver.at("/slow").length >= 8 * SCALE && receiver.open("/slow") > 0,
      WAIT_MS,
      worker.output
    )
    await worker.stop("SIGKILL")
    const killedAt = Date.now()
    const inFlight = (
      await query<{ event_public_id: string }>(
        db.url,
        "SELECT event_public_id FROM webhook_deliveries WHERE webhook_id = $1 AND status = 'sending'",
        [hook.id]
      )
    ).map((r) => r.event_public_id)
    expect(inFlight.length).toBeGreaterThan(0)
    expect(inFlight.length).toBeLessThanOrEqual(PER_ENDPOINT)
    const beforeKill = receiver.at("/slow").length

    worker = await startReadyWorker(processEnv({ databaseUrl: db.url, dns, extra: webhookEnv }), 60_000)
    running.push(worker)
    await emailEventsWritten(ids)
    await allArrived(hook)
    const result = await check(hook)
    expect(result.unexpected).toEqual([])
    // A second copy only of what was in flight when the worker died, never more than the cap.
    expect(result.duplicated.filter((id) => !inFlight.includes(id))).toEqual([])
    expect(result.duplicated.length).toBeLessThanOrEqual(PER_ENDPOINT)
    sameIdEverywhere("/slow")
    console.log(
      `sigkill: ${result.expected.size} events, ${beforeKill} arrived before the kill, ${inFlight.length} in flight at it, ${result.duplicated.length} arrived twice, all in ${Date.now() - killedAt} ms after it`
    )
    await deleteHook(hook)
  }, 150_000)
})
