import { gzipSync } from "node:zlib"
import { PgDatabase } from "@poststack/adapters-persistence"
import type { PeriodicTask } from "@poststack/application"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import nodemailer from "nodemailer"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectStoredEventsDecode } from "../support/storedEvents.js"
import { createTestDatabase, query } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import { arf, deliverRaw, dsn, inboundMxDoor, rcptReplies } from "../support/mx.js"
import { callApi } from "../support/api.js"

const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []

describe("bounces, complaints and DMARC reports arriving at the MX", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  let server: TestServer
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>
  let key: string
  let mxPort: number
  let domainId: number

  const call = (method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, key, method, path, body)
  /** Sends through the API and waits until the sink has it; returns the email id and its return path. */
  const sendAndDeliver = async (to: string) => {
    const res = await call("POST", "/emails", {
      from: "Shop <orders@bounce.test>",
      to: [to],
      subject: "Your order",
      text: "Thanks"
    })
    expect(res.status).toBe(202)
    const deadline = Date.now() + 15_000
    for (;;) {
      const got = sink.received.find((m) => m.to.includes(to))
      const email = (await call("GET", `/emails/${String(res.body.id)}`)).body.email as { status: string }
      if (got !== undefined && email.status === "delivered") {
        const messageId = /^Message-ID: (.+)$/m.exec(got.raw.toString())?.[1]?.trim() ?? ""
        return { id: String(res.body.id), returnPath: got.from, messageId }
      }
      if (Date.now() > deadline) throw new Error(`not delivered to ${to}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  const emailOf = async (id: string) => {
    const email = (await call("GET", `/emails/${id}`)).body.email as { status: string }
    const events = (await call("GET", `/emails/${id}/events`)).body.events as Array<{
      eventType: string
      metadata: Record<string, unknown>
    }>
    return { status: email.status, events }
  }
  const suppression = async (address: string) =>
    (
      await query<{ reason: string }>(db.url, "SELECT reason FROM suppressions WHERE email = $1", [address])
    )[0]?.reason

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    const mx = await inboundMxDoor(1024 * 1024)
    mxPort = mx.port
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address], doors: mx.layer })
    key = (await server.bootstrap()) ?? ""
    domainId = (await addVerifiedDomain(server.baseUrl, key, dns, "bounce.test")).id
    dns.publish("receiver.test", "MX", "mx.receiver.test")
    dns.publish("mx.receiver.test", "A", "127.0.0.1")
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, jobs).pipe(
        Layer.provide(testServices({ dnsServers: [dns.address], mxPort: sink.port, allowPrivateMx: true })),
        Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 }))
      )
    )
    await worker.runPromise(Effect.void)
  })
  afterAll(async () => {
    await worker.dispose()
    await server.close()
    await sink.close()
    await dns.close()
    await db.drop()
  })

  it("a hard bounce (5.x.x DSN) to the return path bounces the email and suppresses the address", async () => {
    const sent = await sendAndDeliver("gone@receiver.test")
    expect(sent.returnPath).toMatch(/^b\d+\.[0-9a-f]{12}@bounces\.bounce\.test$/)
    const info = await deliverRaw(
      mxPort,
      "",
      [sent.returnPath],
      dsn(sent.returnPath, "gone@receiver.test", "5.1.1", "550 5.1.1 user unknown")
    )
    expect(info.response).toMatch(/^250 /)
    const after = await emailOf(sent.id)
    expect(after.status).toBe("bounced")
    expect(after.events.map((e) => e.eventType)).toEqual(["queued", "sent", "delivered", "bounced"])
    expect(after.events[3]?.metadata).toMatchObject({
      recipient: "gone@receiver.test",
      status: "5.1.1",
      hard: true,
      source: "dsn"
    })
    expect(await suppression("gone@receiver.test")).toBe("hard_bounce")
    const outbox = await query<{ type: string }>(
      db.url,
      "SELECT type FROM events WHERE payload->>'email_id' = $1 ORDER BY id",
      [sent.id]
    )
    expect(outbox.map((e) => e.type)).toContain("email.bounced")
  })

  it("a soft bounce (4.x.x) is recorded as soft_bounced and suppresses nothing", async () => {
    const sent = await sendAndDeliver("full@receiver.test")
    await deliverRaw(
      mxPort,
      "",
      [sent.returnPath],
      dsn(sent.returnPath, "full@receiver.test", "4.2.2", "452 mailbox full")
    )
    const after = await emailOf(sent.id)
    expect(after.status).toBe("delivered")
    expect(after.events.map((e) => e.eventType)).toContain("soft_bounced")
    expect(await suppression("full@receiver.test")).toBeUndefined()
  })

  it("an ARF complaint, to the return path or to fbl@, marks the email complained and suppresses", async () => {
    const sent = await sendAndDeliver("angry@receiver.test")
    await deliverRaw(
      mxPort,
      "fbl@isp.test",
      [sent.returnPath],
      arf(sent.returnPath, "angry@receiver.test", sent.messageId)
    )
    const after = await emailOf(sent.id)
    expect(after.status).toBe("complained")
    expect(after.events.at(-1)).toMatchObject({
      eventType: "complained",
      metadata: expect.objectContaining({ feedback_type: "abuse", recipient: "angry@receiver.test" })
    })
    expect(await suppression("angry@receiver.test")).toBe("complaint")

    const other = await sendAndDeliver("angry2@receiver.test")
    await deliverRaw(
      mxPort,
      "fbl@isp.test",
      ["fbl@bounces.bounce.test"],
      arf("fbl@bounces.bounce.test", "angry2@receiver.test", other.messageId)
    )
    expect((await emailOf(other.id)).status).toBe("complained")
    expect(await suppression("angry2@receiver.test")).toBe("complaint")
  })

  it("refuses forged return paths, unknown addresses and relaying with 550 5.7.1", async () => {
    const sent = await sendAndDeliver("kept@receiver.test")
    const forged = sent.returnPath.replace(
      /\.([0-9a-f]{12})@/,
      (_m, d: string) => `.${d.slice(0, 11)}${d[11] === "0" ? "1" : "0"}@`
    )
    const replies = await rcptReplies(mxPort, "", [
      forged,
      "postmaster@bounces.bounce.test",
      "someone@elsewhere.test",
      "x@bounce.test"
    ])
    expect(replies.match(/^550 5\.7\.1/gm)?.length).toBe(4)
    await expect(
      deliverRaw(mxPort, "", [forged], dsn(forged, "kept@receiver.test", "5.1.1", "550 user unknown"))
    ).rejects.toThrow(/550/)
    expect((await emailOf(sent.id)).status).toBe("delivered")
    expect(await suppression("kept@receiver.test")).toBeUndefined()
  })

  it("ingests a gzipped DMARC aggregate report sent to dmarc@ the bounce host", async () => {
    const xml = `<?xml version="1.0"?>
<feedback>
  <report_metadata><org_name>isp.test</org_name><email>dmarc@isp.test</email><report_id>r-1</report_id>
    <date_range><begin>1767225600</begin><end>1767311999</end></date_range></report_metadata>
  <policy_published><domain>bounce.test</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><pct>100</pct></policy_published>
  <record><row><source_ip>127.0.0.1</source_ip><count>7</count>
    <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
    <identifiers><header_from>bounce.test</header_from></identifiers></record>
  <record><row><source_ip>203.0.113.9</source_ip><count>2</count>
    <policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>bounce.test</header_from></identifiers></record>
</feedback>`
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port: mxPort,
      secure: false,
      tls: { rejectUnauthorized: false }
    })
    await transport.sendMail({
      from: "dmarc@isp.test",
      to: "dmarc@bounces.bounce.test",
      subject: "Report Domain: bounce.test Submitter: isp.test Report-ID: r-1",
      text: "DMARC aggregate report",
      attachments: [
        {
          filename: "isp.test!bounce.test!1767225600!1767311999.xml.gz",
          content: gzipSync(Buffer.from(xml)),
          contentType: "application/gzip"
        }
      ]
    })
    transport.close()
    const res = await call("GET", `/domains/${domainId}/dmarc/reports`)
    expect(res.status).toBe(200)
    const reports = res.body.reports as Array<Record<string, unknown>>
    expect(reports).toHaveLength(1)
    expect(reports[0]).toMatchObject({ reportId: "r-1", orgName: "isp.test", domain: "bounce.test" })
    const rows = await query<{ n: number }>(db.url, "SELECT sum(message_count)::int AS n FROM dmarc_records")
    expect(rows[0]?.n).toBe(9)

    // A report carrying NUL is skipped like an unreadable one: the message is taken (250), not retried.
    const again = nodemailer.createTransport({
      host: "127.0.0.1",
      port: mxPort,
      secure: false,
      tls: { rejectUnauthorized: false }
    })
    const info = await again.sendMail({
      from: "dmarc@isp.test",
      to: "dmarc@bounces.bounce.test",
      subject: "Report Domain: bounce.test Submitter: isp.test Report-ID: r-2",
      text: "DMARC aggregate report",
      attachments: [
        {
          filename: "isp.test!bounce.test!1767225600!1767311999.xml.gz",
          content: gzipSync(
            Buffer.from(xml.replace("r-1", "r-2").replace("<org_name>isp.test", "<org_name>isp\u0000.test"))
          ),
          contentType: "application/gzip"
        }
      ]
    })
    again.close()
    expect(info.response).toMatch(/^250 /)
    const after = (await call("GET", `/domains/${domainId}/dmarc/reports`)).body.reports as Array<unknown>
    expect(after).toHaveLength(1)

    // Four gzip bombs (19 KB each, 19 MB of `<a/>` unpacked) once held the server 36 s; now the
    // first is refused off the event loop, the rest are not opened, and the message is taken.
    const bomb = gzipSync(Buffer.from(`<feedback>${"<a/>".repeat((19 * 1024 * 1024) / 4)}</feedback>`), {
      level: 9
    })
    const third = nodemailer.createTransport({
      host: "127.0.0.1",
      port: mxPort,
      secure: false,
      tls: { rejectUnauthorized: false }
    })
    const started = performance.now()
    const bombed = await third.sendMail({
      from: "noreply-dmarc@reporter.test",
      to: "dmarc@bounces.bounce.test",
      subject: "Report Domain: bounce.test",
      text: "report",
      attachments: [1, 2, 3, 4].map((i) => ({
        filename: `r${i}.xml.gz`,
        content: bomb,
        contentType: "application/gzip"
      }))
    })
    third.close()
    expect(bombed.response).toMatch(/^250 /)
    expect(performance.now() - started).toBeLessThan(5_000)
    expect((await call("GET", `/domains/${domainId}/dmarc/reports`)).body.reports).toHaveLength(1)
  })

  it("stores every event it produced as the contract's typed events", async () => {
    await expectStoredEventsDecode(db.url, ["email.bounced", "email.soft_bounced", "email.complained"])
  })
})
