import { PgDatabase } from "@poststack/adapters-persistence"
import type { PeriodicTask } from "@poststack/application"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { simpleParser } from "mailparser"
import { expect } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { type Received, type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import { callApi } from "../support/api.js"

const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []

/** A real HTML newsletter-ish body: absolute links among ones that must never be rewritten. */
export const NEWSLETTER = `<!doctype html>
<html><head><title>News</title><style>a{color:red}</style></head>
<body>
<h1>Spring sale</h1>
<p><a href="https://shop.example/sale?utm_source=mail&amp;utm_medium=email">See the sale</a></p>
<p><A class="btn" HREF='http://shop.example/plain'>Plain http</A></p>
<p><a href="javascript:alert(1)">script</a> <a href="mailto:help@shop.example">mail us</a>
<a href="tel:+15555550100">call</a> <a href="/relative/path">relative</a> <a href="#top">top</a>
<a href="data:text/html,hi">data</a></p>
<!-- <a href="https://commented.example/">not a link</a> -->
<p>Thanks!</p>
</body></html>`

export const UA = {
  iphoneMail:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
  chrome:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
  googleProxy: "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
}

export interface Harness {
  readonly db: Awaited<ReturnType<typeof createTestDatabase>>
  readonly dns: TestDnsServer
  readonly sink: SmtpSink
  readonly server: TestServer
  readonly key: string
  readonly domainId: number
  readonly call: (
    method: string,
    path: string,
    body?: unknown
  ) => Promise<{ status: number; body: Record<string, unknown> }>
  /** Sends one email from the harness domain; returns its id. */
  readonly send: (to: ReadonlyArray<string>, extra?: Record<string, unknown>) => Promise<string>
  /** Waits until the sink holds the message for this recipient whose subject matches. */
  readonly received: (recipient: string, subject: string) => Promise<Received>
  readonly close: () => Promise<void>
}

/** A real server, a worker runtime delivering to a loopback SMTP sink, and a verified domain. */
export const startHarness = async (domain: string): Promise<Harness> => {
  const db = await createTestDatabase()
  const dns = await startDnsServer()
  const sink = await startSmtpSink()
  // As behind one reverse proxy: the client address is the last X-Forwarded-For entry, when present.
  const server = await startTestServer({
    databaseUrl: db.url,
    dnsServers: [dns.address],
    trustedProxyHops: 1
  })
  const key = (await server.bootstrap()) ?? ""
  const { id: domainId } = await addVerifiedDomain(server.baseUrl, key, dns, domain)
  dns.publish("receiver.test", "MX", "mx1.receiver.test")
  dns.publish("mx1.receiver.test", "A", "127.0.0.1")
  const worker = ManagedRuntime.make(
    WorkerLive.layer(noTasks, jobs).pipe(
      Layer.provide(
        testServices({
          dnsServers: [dns.address],
          mxPort: sink.port,
          allowPrivateMx: true,
          publicUrl: server.baseUrl
        })
      ),
      Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 }))
    )
  )
  await worker.runPromise(Effect.void)

  const call = (method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, key, method, path, body)
  return {
    db,
    dns,
    sink,
    server,
    key,
    domainId,
    call,
    send: async (to, extra = {}) => {
      const res = await call("POST", "/emails", {
        from: `News <news@${domain}>`,
        to,
        subject: "Spring sale",
        html: NEWSLETTER,
        ...extra
      })
      expect(res.status).toBe(202)
      return String(res.body.id)
    },
    received: async (recipient, subject) => {
      const deadline = Date.now() + 15_000
      for (;;) {
        for (const m of sink.received) {
          if (!m.to.includes(recipient)) continue
          if ((await simpleParser(m.raw)).subject === subject) return m
        }
        if (Date.now() > deadline) throw new Error(`nothing delivered to ${recipient}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    close: async () => {
      await worker.dispose()
      await server.close()
      await sink.close()
      await dns.close()
      await db.drop()
    }
  }
}

/** The delivered HTML part, decoded. */
export const htmlOf = async (message: Received) => {
  const parsed = await simpleParser(message.raw)
  return typeof parsed.html === "string" ? parsed.html : ""
}

/** Every `href` and `src` in a delivered HTML body, entity-decoded the simple way links are written. */
export const urlsIn = (html: string, attribute: "href" | "src") =>
  [...html.matchAll(new RegExp(`${attribute}="([^"]*)"`, "gi"))].map((m) =>
    (m[1] ?? "").replace(/&amp;/g, "&")
  )

/** Polls the email's events until `done` holds. */
export const eventsUntil = async (
  harness: Harness,
  id: string,
  done: (events: ReadonlyArray<EventWire>) => boolean
): Promise<ReadonlyArray<EventWire>> => {
  const deadline = Date.now() + 15_000
  for (;;) {
    const events = (await harness.call("GET", `/emails/${id}/events`)).body.events as Array<EventWire>
    if (done(events)) return events
    if (Date.now() > deadline)
      throw new Error(`events of ${id}: ${events.map((e) => e.eventType).join(", ")}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export interface EventWire {
  eventType: string
  metadata: Record<string, unknown>
  uaClientName: string | null
  uaClientType: string | null
  uaOs: string | null
  uaDeviceType: string | null
  isPrefetch: boolean
}
