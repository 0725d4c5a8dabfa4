import { createServer, type Server, type Socket } from "node:net"
import { PgDatabase } from "@poststack/adapters-persistence"
import { WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addInboundDomain } from "../support/domains.js"
import { deliverRaw, inboundMxDoor } from "../support/mx.js"
import { freePort } from "../support/net.js"
import { rspamdUrl } from "../support/rspamd.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../support/webhookReceiver.js"
import { dispatcherSettings, noTasks, testModeAndWebhookJobs } from "../support/webhookWorker.js"

const GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

const message = (subject: string, body: string) =>
  [
    "From: Ann Example <ann@sender.test>",
    "To: support@inbox.test",
    `Subject: ${subject}`,
    `Message-ID: <${subject.replace(/\W/g, "")}@sender.test>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    body,
    ""
  ].join("\r\n")

const REPLY = [
  "Friday at 10 works for me.",
  "",
  "-- ",
  "Ann Example, Example Ltd",
  "",
  "On Mon, 7 Dec 2026 at 09:00, Support <support@inbox.test> wrote:",
  "> Could we call on Friday?",
  "> Support"
].join("\r\n")

interface Row {
  readonly id: number
  readonly subject: string
  readonly spamScore: number | null
  readonly spamVerdict: string | null
  readonly strippedReply: string | null
  readonly textBody: string | null
}

/** Received mail scored by a real rspamd at the MX, over a real SMTP socket, into rows, the API and webhooks. */
describe("received mail gets rspamd's score and verdict, and its reply stripped", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let scoring: TestServer
  let key: string
  let mxPort: number
  let receiver: WebhookReceiver
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>
  const closers: Array<() => Promise<unknown>> = []

  const inbound = async (as = key) =>
    (await callApi(scoring.baseUrl, as, "GET", "/inbound?per_page=100")).body.data as Array<Row>
  const bySubject = async (subject: string) => {
    const row = (await inbound()).find((e) => e.subject === subject)
    if (row === undefined) throw new Error(`no received message "${subject}"`)
    return row
  }

  /** Another server on the same database whose MX asks the spam filter at `url`. */
  const mxScoringWith = async (url: string, spamTimeout?: number) => {
    const mx = await inboundMxDoor(512 * 1024, undefined, spamTimeout)
    const server = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      doors: mx.layer,
      rspamdUrl: url
    })
    closers.push(server.close)
    return mx.port
  }

  beforeAll(async () => {
    const rspamd = await rspamdUrl()
    db = await createTestDatabase()
    dns = await startDnsServer()
    receiver = await startWebhookReceiver()
    const mx = await inboundMxDoor()
    mxPort = mx.port
    const webhooks = { allowLoopback: true, timeoutMs: 3000 }
    scoring = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      doors: mx.layer,
      rspamdUrl: rspamd,
      webhooks
    })
    key = (await scoring.bootstrap()) ?? ""
    await addInboundDomain(scoring.baseUrl, key, dns, "inbox.test")
    dns.publish("sender.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    const hook = await callApi(scoring.baseUrl, key, "POST", "/webhooks", {
      url: receiver.url("/inbound"),
      events: ["inbound_email.received"]
    })
    expect(hook.status).toBe(201)
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, testModeAndWebhookJobs(dispatcherSettings())).pipe(
        Layer.provide(
          testServices({ dnsServers: [dns.address], webhooks }).pipe(
            Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 3 }))
          )
        )
      )
    )
    await worker.runPromise(Effect.void)
  }, 90_000)
  afterAll(async () => {
    await worker.dispose()
    for (const close of closers) await close()
    await scoring.close()
    await receiver.close()
    await dns.close()
    await db.drop()
  })

  it("scores a clean message as clean with rspamd's number, and strips the reply to its new text", async () => {
    const info = await deliverRaw(mxPort, "ann@sender.test", ["support@inbox.test"], message("Lunch", REPLY))
    expect(info.response).toMatch(/^250 /)
    const row = await bySubject("Lunch")
    expect(row.spamVerdict).toBe("clean")
    expect(row.spamScore).toBeTypeOf("number")
    expect(row.spamScore).toBeLessThan(6)
    expect(row.strippedReply).toBe("Friday at 10 works for me.")
    expect(row.textBody).toContain("Could we call on Friday?")
    const got = (await callApi(scoring.baseUrl, key, "GET", `/inbound/${row.id}`)).body.inboundEmail as Row
    expect([got.spamScore, got.spamVerdict, got.strippedReply]).toEqual([
      row.spamScore,
      "clean",
      "Friday at 10 works for me."
    ])
    const [stored] = await query<{ spam_score: number; spam_verdict: string }>(
      db.url,
      "SELECT spam_score, spam_verdict FROM inbound_emails WHERE id = $1",
      [row.id]
    )
    expect(stored).toEqual({ spam_score: row.spamScore, spam_verdict: "clean" })

    // The webhook sent for it carries the same reading, stored with the row before it went out.
    const [delivered] = await eventually(
      () => receiver.at("/inbound"),
      (hits) => hits.some((h) => h.body.includes('"Lunch"'))
    )
    const data = (JSON.parse(delivered?.body ?? "{}") as { type: string; data: Record<string, unknown> }).data
    expect(data).toMatchObject({
      id: row.id,
      subject: "Lunch",
      spam_score: row.spamScore,
      spam_verdict: "clean",
      stripped_reply: "Friday at 10 works for me."
    })
  })

  it("scores the GTUBE test message as spam, with rspamd's reject score", async () => {
    const info = await deliverRaw(
      mxPort,
      "ann@sender.test",
      ["support@inbox.test"],
      message("You have won", `Claim your prize now.\r\n\r\n${GTUBE}`)
    )
    expect(info.response).toMatch(/^250 /)
    const row = await bySubject("You have won")
    expect(row.spamVerdict).toBe("spam")
    expect(row.spamScore).toBeGreaterThanOrEqual(15)
    const events = await query<{ payload: { spam_verdict: string; spam_score: number } }>(
      db.url,
      "SELECT payload FROM events WHERE type = 'email.inbound' AND (payload->>'id')::bigint = $1",
      [row.id]
    )
    expect(events.map((e) => [e.payload.spam_verdict, e.payload.spam_score])).toEqual([
      ["spam", row.spamScore]
    ])
  })

  it("accepts and stores mail unscored when rspamd's port is closed", async () => {
    const closedPort = await mxScoringWith(`http://127.0.0.1:${await freePort()}`)
    const info = await deliverRaw(
      closedPort,
      "ann@sender.test",
      ["support@inbox.test"],
      message("Filter down", `Nobody scores this.\r\n${GTUBE}`)
    )
    expect(info.response).toMatch(/^250 /)
    const row = await bySubject("Filter down")
    expect([row.spamScore, row.spamVerdict]).toEqual([null, null])
    expect(row.strippedReply).toBe(row.textBody)
    const [event] = await query<{ payload: Record<string, unknown> }>(
      db.url,
      "SELECT payload FROM events WHERE type = 'email.inbound' AND (payload->>'id')::bigint = $1",
      [row.id]
    )
    expect(event?.payload).toMatchObject({ spam_score: null, spam_verdict: null })
  })

  it("waits for an rspamd that never answers only as long as the bound, then stores the mail unscored", async () => {
    // Takes the connection and the request, and says nothing.
    const sockets = new Set<Socket>()
    const silent: Server = createServer((socket) => {
      sockets.add(socket)
      socket.on("data", () => {})
    })
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    closers.push(async () => {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => silent.close(resolve))
    })
    const address = silent.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const hangingPort = await mxScoringWith(`http://127.0.0.1:${port}`, 700)
    const started = Date.now()
    const info = await deliverRaw(
      hangingPort,
      "ann@sender.test",
      ["support@inbox.test"],
      message("Filter hangs", "Still here.")
    )
    const took = Date.now() - started
    expect(info.response).toMatch(/^250 /)
    expect(sockets.size).toBeGreaterThanOrEqual(1)
    // The bound (0.7 s) and the SMTP exchange, far from the adapter's own 15 s.
    expect(took).toBeGreaterThanOrEqual(700)
    expect(took).toBeLessThan(5_000)
    const row = await bySubject("Filter hangs")
    expect([row.spamScore, row.spamVerdict]).toEqual([null, null])
    // Nothing quoted: the whole text.
    expect(row.strippedReply).toBe(row.textBody)
    expect(row.textBody).toMatch(/^Still here\./)
  })
})
