import { execFile } from "node:child_process"
import { Resolver } from "node:dns/promises"
import { connect as tlsConnect } from "node:tls"
import { connect as netConnect } from "node:net"
import { PgDatabase } from "@poststack/adapters-persistence"
import { SmtpSubmissionServer, SmtpTls } from "@poststack/adapters-smtp"
import type { PeriodicTask } from "@poststack/application"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { authenticate } from "mailauth"
import nodemailer, { type Transporter } from "nodemailer"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { freePort } from "../support/net.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"

const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []

/** A raw SMTP dialogue over one socket: each line sent, the server's replies collected. */
const dialogue = async (
  port: number,
  steps: ReadonlyArray<string | Buffer>,
  secure = true
): Promise<string> => {
  const socket = secure
    ? tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false })
    : netConnect({ host: "127.0.0.1", port })
  let received = ""
  socket.on("data", (d: Buffer) => {
    received += d.toString()
  })
  const waitFor = async (count: number) => {
    const deadline = Date.now() + 10_000
    while ((received.match(/^\d{3} /gm)?.length ?? 0) < count) {
      if (Date.now() > deadline) throw new Error(`no reply; got ${received}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  await waitFor(1)
  let expected = 1
  for (const step of steps) {
    socket.write(step)
    // A DATA payload is answered once, at its final dot; every other line once.
    expected++
    await waitFor(expected)
  }
  socket.destroy()
  return received
}

const b64 = (s: string) => Buffer.from(s).toString("base64")

describe("SMTP submission relay", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  let server: TestServer
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>
  let key: string
  let otherKey: string
  let port: number
  let starttlsPort: number
  const pools: Array<Transporter> = []

  const call = async (path: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: { Authorization: `Bearer ${key}` } })
    return (await res.json()) as Record<string, unknown>
  }
  const transport = (password: string) => {
    const t = nodemailer.createTransport({
      host: "127.0.0.1",
      port,
      secure: true,
      pool: true,
      maxConnections: 2,
      auth: { user: "poststack", pass: password },
      tls: { rejectUnauthorized: false }
    })
    pools.push(t)
    return t
  }
  const waitForSink = async (recipient: string) => {
    const deadline = Date.now() + 15_000
    for (;;) {
      const got = sink.received.find((m) => m.to.includes(recipient))
      if (got !== undefined) return got
      if (Date.now() > deadline) throw new Error(`nothing delivered to ${recipient}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    port = await freePort()
    starttlsPort = await freePort()
    const tls = await Effect.runPromise(SmtpTls.selfSigned("smtp.poststack.test"))
    server = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      doors: SmtpSubmissionServer.layer({
        host: "127.0.0.1",
        implicitTlsPorts: [port],
        starttlsPort,
        tls,
        name: "smtp.poststack.test",
        maxMessageBytes: 256 * 1024,
        perKey: { limit: 1000, windowMs: 1000 },
        authFailuresPerAddress: { limit: 1000, windowMs: 60_000 }
      })
    })
    key = (await server.bootstrap()) ?? ""
    await addVerifiedDomain(server.baseUrl, key, dns, "relay.test")
    otherKey = await insertTeamWithKey(db.url, "Other")
    await addVerifiedDomain(server.baseUrl, otherKey, dns, "other.test")
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
    for (const t of pools) t.close()
    await worker.dispose()
    await server.close()
    await sink.close()
    await dns.close()
    await db.drop()
  })

  it("relays a message from nodemailer (implicit TLS, pooled): stored, DKIM-signed, without X-PostStack headers", async () => {
    const info = await transport(key).sendMail({
      from: "Shop <orders@relay.test>",
      to: "alice@receiver.test",
      bcc: "hidden@receiver.test",
      subject: "Relayed",
      text: "Hello over SMTP",
      html: "<p>Hello over SMTP</p>",
      attachments: [{ filename: "note.txt", content: "attached" }],
      headers: { "X-PostStack-Tags": "welcome, smtp", "X-PostStack-Variables": '{"a":"1"}' }
    })
    expect(info.response).toMatch(/^250 2\.0\.0 Queued as em_[0-9a-f]{32}/)
    const id = /em_[0-9a-f]{32}/.exec(info.response)?.[0] ?? ""
    const email = (await call(`/emails/${id}`)).email as Record<string, unknown>
    expect(email).toMatchObject({
      fromAddress: "orders@relay.test",
      fromName: "Shop",
      toAddresses: ["alice@receiver.test"],
      bccAddresses: ["hidden@receiver.test"],
      subject: "Relayed",
      tags: ["welcome", "smtp"],
      textBody: expect.stringContaining("Hello over SMTP")
    })
    const got = await waitForSink("alice@receiver.test")
    const raw = got.raw.toString()
    expect(raw).not.toMatch(/^X-PostStack-/im)
    expect(raw).not.toMatch(/^Bcc:/im)
    expect(raw).toContain(`Message-ID: ${info.messageId}`)
    expect(raw).toContain("note.txt")
    const hidden = await waitForSink("hidden@receiver.test")
    expect(hidden.raw.toString()).not.toContain("hidden@receiver.test")
    const resolver = new Resolver()
    resolver.setServers([dns.address])
    const auth = await authenticate(got.raw, {
      ip: "127.0.0.1",
      helo: "mta.poststack.test",
      mta: "mx.receiver.test",
      sender: got.from,
      resolver: (name: string, type: string) => resolver.resolve(name, type as "TXT"),
      disableArc: true,
      disableBimi: true
    })
    expect(auth.dkim.results[0]?.status.result).toBe("pass")
    expect(auth.dmarc === false ? undefined : auth.dmarc.status.result).toBe("pass")
    const events = (await call(`/emails/${id}/events`)).events as Array<{ eventType: string }>
    expect(events.map((e) => e.eventType)).toContain("queued")
  })

  it("removes a submitter's DKIM-Signature and authentication verdicts: only our signature leaves", async () => {
    const info = await transport(key).sendMail({
      from: "Shop <orders@relay.test>",
      to: "forged@receiver.test",
      subject: "Signed by someone else",
      text: "Trust me",
      headers: {
        "DKIM-Signature": "v=1; a=rsa-sha256; d=bank.test; s=sel; h=from:subject; bh=AAAA; b=BBBB",
        "ARC-Seal": "i=1; a=rsa-sha256; d=bank.test; s=sel; cv=none; b=CCCC",
        "Authentication-Results": "mx.bank.test; dkim=pass header.d=bank.test"
      }
    })
    expect(info.response).toMatch(/^250 /)
    const id = /em_[0-9a-f]{32}/.exec(info.response)?.[0] ?? ""
    const [stored] = await query<{ raw_mime: Buffer }>(
      db.url,
      "SELECT raw_mime FROM emails WHERE public_id = $1",
      [id]
    )
    expect(stored?.raw_mime.toString()).not.toMatch(/bank\.test/)
    const got = await waitForSink("forged@receiver.test")
    const raw = got.raw.toString()
    expect(raw).not.toMatch(/bank\.test/)
    expect(raw.match(/^DKIM-Signature:/gim)).toHaveLength(1)
    expect(raw).toMatch(/^DKIM-Signature:[\s\S]*?d=relay\.test/im)
    expect(raw).not.toMatch(/^(ARC-Seal|Authentication-Results):/im)
  })

  it("refuses text no field can hold (a lone surrogate from a UTF-16 word, NUL) with a permanent 554, not 451", async () => {
    const before = await query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM emails")
    const submit = (subject: string, body: string) =>
      transport(key).sendMail({
        envelope: { from: "orders@relay.test", to: ["odd@receiver.test"] },
        raw: [
          "From: orders@relay.test",
          "To: odd@receiver.test",
          `Subject: ${subject}`,
          "MIME-Version: 1.0",
          "Content-Type: text/plain; charset=utf-8",
          "Content-Transfer-Encoding: quoted-printable",
          "",
          body,
          ""
        ].join("\r\n")
      })
    await expect(submit("=?UTF-16BE?B?2ABhAGIA?=", "fine")).rejects.toMatchObject({ responseCode: 554 })
    await expect(submit("fine", "a=00b")).rejects.toMatchObject({ responseCode: 554 })
    await expect(submit("=?UTF-8?Q?a=00b?=", "fine")).rejects.toMatchObject({ responseCode: 554 })
    expect(await query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM emails")).toEqual(before)
  })

  it("relays from Python's smtplib.SMTP_SSL", async () => {
    const script = `
import smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP_SSL("127.0.0.1", ${port}, context=ctx)
s.login("poststack", sys.argv[1])
msg = "From: orders@relay.test\\r\\nTo: py@receiver.test\\r\\nSubject: From Python\\r\\n\\r\\nHi from smtplib\\r\\n"
s.sendmail("orders@relay.test", ["py@receiver.test"], msg)
print("sent")
s.quit()
`
    const out = await new Promise<string>((resolve, reject) =>
      execFile("python3", ["-c", script, key], (error, stdout, stderr) =>
        error === null ? resolve(stdout) : reject(new Error(stderr))
      )
    )
    expect(out.trim()).toBe("sent")
    const got = await waitForSink("py@receiver.test")
    expect(got.raw.toString()).toContain("Hi from smtplib")
    expect(got.raw.toString()).toMatch(/^DKIM-Signature:/m)
  })

  it("refuses bad credentials, AUTH before TLS, and MAIL without AUTH; nothing is queued", async () => {
    const before = await query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM emails")
    await expect(transport("sk_live_wrongwrongwrongwrongwrongwrongwrongwrong1").verify()).rejects.toThrow(
      /535/
    )
    await expect(
      transport("sk_live_wrongwrongwrongwrongwrongwrongwrongwrong1").sendMail({
        from: "orders@relay.test",
        to: "x@receiver.test",
        subject: "no",
        text: "no"
      })
    ).rejects.toThrow(/535/)
    const noAuth = await dialogue(port, [
      "EHLO client.test\r\n",
      "MAIL FROM:<orders@relay.test>\r\n",
      "RCPT TO:<x@receiver.test>\r\n"
    ])
    expect(noAuth).toMatch(/^530 /m)
    expect(noAuth).not.toMatch(/^250 .*Accepted/m)
    // On the STARTTLS port, AUTH is refused before the upgrade, and so is relaying.
    const plain = await dialogue(
      starttlsPort,
      [
        "EHLO client.test\r\n",
        `AUTH PLAIN ${b64(`\0poststack\0${key}`)}\r\n`,
        "MAIL FROM:<orders@relay.test>\r\n"
      ],
      false
    )
    expect(plain).toMatch(/^538 /m)
    expect(plain).toMatch(/^530 /m)
    const after = await query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM emails")
    expect(after[0]?.n).toBe(before[0]?.n)
  })

  it("relays on the STARTTLS port once the client upgraded", async () => {
    const t = nodemailer.createTransport({
      host: "127.0.0.1",
      port: starttlsPort,
      secure: false,
      requireTLS: true,
      auth: { user: "poststack", pass: key },
      tls: { rejectUnauthorized: false }
    })
    const info = await t.sendMail({
      from: "orders@relay.test",
      to: "old@receiver.test",
      subject: "Old",
      text: "client"
    })
    t.close()
    expect(info.response).toMatch(/^250 2\.0\.0 Queued as em_/)
  })

  it("refuses another team's domain in the envelope or in From:", async () => {
    const t = transport(key)
    await expect(
      t.sendMail({ from: "ceo@other.test", to: "v@receiver.test", subject: "spoof", text: "x" })
    ).rejects.toThrow(/553 5\.7\.1/)
    await expect(
      t.sendMail({
        from: "ceo@other.test",
        to: "v@receiver.test",
        subject: "spoof",
        text: "x",
        envelope: { from: "orders@relay.test", to: ["v@receiver.test"] }
      })
    ).rejects.toThrow(/553 5\.7\.1/)
    await expect(
      t.sendMail({
        from: "orders@relay.test",
        to: "v@receiver.test",
        subject: "spoof",
        text: "x",
        envelope: { from: "bounce@other.test", to: ["v@receiver.test"] }
      })
    ).rejects.toThrow(/553 5\.7\.1/)
    await expect(
      t.sendMail({
        envelope: { from: "orders@relay.test", to: ["v@receiver.test"] },
        raw: "From: orders@relay.test, ceo@other.test\r\nTo: v@receiver.test\r\nSubject: two\r\n\r\nx\r\n"
      })
    ).rejects.toThrow(/554 5\.6\.0 the message must have exactly one From/)
    await expect(
      t.sendMail({
        from: "orders@relay.test",
        sender: "ceo@other.test",
        to: "v@receiver.test",
        subject: "s",
        text: "x"
      })
    ).rejects.toThrow(/553 5\.7\.1/)
    // A second Sender, behind one of the team's, is checked by no one but shown by some readers.
    for (const senders of [
      "Sender: orders@relay.test\r\nSender: ceo@other.test\r\n",
      "Sender: orders@relay.test\r\nSender : ceo@other.test\r\n",
      "Sender: orders@relay.test, ceo@other.test\r\n"
    ])
      await expect(
        t.sendMail({
          envelope: { from: "orders@relay.test", to: ["v@receiver.test"] },
          raw: `From: orders@relay.test\r\n${senders}To: v@receiver.test\r\nSubject: two\r\n\r\nx\r\n`
        })
      ).rejects.toThrow(/554 5\.6\.0 the message may have at most one Sender/)
    const rows = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM deliveries WHERE recipient = 'v@receiver.test'"
    )
    expect(rows[0]?.n).toBe(0)
  })

  it("offers no SMTPUTF8 and refuses a non-ASCII address at MAIL or RCPT, before any message is sent", async () => {
    const auth = `AUTH PLAIN ${b64(`\0poststack\0${key}`)}\r\n`
    const out = await dialogue(port, [
      "EHLO client.test\r\n",
      auth,
      "MAIL FROM:<orders@relay.test>\r\n",
      "RCPT TO:<usér@exämple.test>\r\n",
      "RCPT TO:<fine@receiver.test>\r\n",
      "RSET\r\n",
      "MAIL FROM:<órders@relay.test>\r\n"
    ])
    expect(out).not.toMatch(/^250[- ]SMTPUTF8/m)
    expect(out).toMatch(/^553 5\.6\.7 Non-ASCII addresses not permitted for that recipient/m)
    expect(out).toMatch(/^250 Accepted/m)
    expect(out).toMatch(/^553 5\.6\.7 Non-ASCII addresses not permitted for that sender/m)
  })

  it("refuses smuggling sequences and bare line endings, and sizes over the limit with 552", async () => {
    const auth = `AUTH PLAIN ${b64(`\0poststack\0${key}`)}\r\n`
    const head = "From: orders@relay.test\r\nTo: s@receiver.test\r\nSubject: smuggle\r\n\r\nbody\r\n"
    for (const hidden of ["\n.\n", "\r.\n", "\n.\r\n", "\r.\r"]) {
      const out = await dialogue(port, [
        "EHLO client.test\r\n",
        auth,
        "MAIL FROM:<orders@relay.test>\r\n",
        "RCPT TO:<s@receiver.test>\r\n",
        "DATA\r\n",
        `${head}${hidden}MAIL FROM:<orders@relay.test>\r\nRCPT TO:<t@receiver.test>\r\nDATA\r\nsmuggled\r\n.\r\n`
      ])
      expect(out).toMatch(/^554 5\.6\.0 bare CR or LF/m)
    }
    const bareLf = await dialogue(port, [
      "EHLO client.test\r\n",
      auth,
      "MAIL FROM:<orders@relay.test>\r\n",
      "RCPT TO:<s@receiver.test>\r\n",
      "DATA\r\n",
      "From: orders@relay.test\nTo: s@receiver.test\nSubject: lf\n\nbody\n\r\n.\r\n"
    ])
    expect(bareLf).toMatch(/^554 5\.6\.0/m)
    await expect(
      transport(key).sendMail({
        from: "orders@relay.test",
        to: "big@receiver.test",
        subject: "big",
        text: "x".repeat(300 * 1024)
      })
    ).rejects.toThrow(/552/)
    const rows = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM deliveries WHERE recipient IN ('s@receiver.test', 't@receiver.test', 'big@receiver.test')"
    )
    expect(rows[0]?.n).toBe(0)
  })

  it("refuses malformed messages and template ids clearly", async () => {
    const t = transport(key)
    await expect(
      t.sendMail({ from: "orders@relay.test", to: "m@receiver.test", subject: "", text: "no subject" })
    ).rejects.toThrow(/554 5\.6\.0 subject/)
    await expect(
      t.sendMail({
        from: "orders@relay.test",
        to: "m@receiver.test",
        subject: "tpl",
        text: "x",
        headers: { "X-PostStack-Template-Id": "tpl_1" }
      })
    ).rejects.toThrow(/554 5\.6\.0 Template not found: tpl_1/)
    await expect(
      t.sendMail({
        from: "orders@relay.test",
        to: "m@receiver.test",
        subject: "vars",
        text: "x",
        headers: { "X-PostStack-Variables": "not json" }
      })
    ).rejects.toThrow(/554 5\.6\.0 X-PostStack-Variables/)
  })

  it("applies the MX's structural limits: deep nesting and too many parts are refused with 554", async () => {
    const before = await query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM emails")
    let nested = "Content-Type: text/plain\r\n\r\nleaf"
    for (let i = 0; i < 60; i++) {
      nested = `Content-Type : multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${nested}\r\n--b${i}--\r\n`
    }
    const head =
      "From: orders@relay.test\r\nTo: deep@receiver.test\r\nSubject: limits\r\nMIME-Version: 1.0\r\n"
    await expect(
      transport(key).sendMail({
        envelope: { from: "orders@relay.test", to: ["deep@receiver.test"] },
        raw: head + nested
      })
    ).rejects.toThrow(/554 5\.6\.0 too many nested multipart levels/)
    const parts = `${head}Content-Type: multipart/mixed; boundary=Z\r\n\r\n${"--Z\r\nContent-Disposition: attachment; filename=f.txt\r\n\r\nx\r\n".repeat(300)}--Z--\r\n`
    await expect(
      transport(key).sendMail({
        envelope: { from: "orders@relay.test", to: ["deep@receiver.test"] },
        raw: parts
      })
    ).rejects.toThrow(/554 5\.6\.0 too many MIME parts/)
    expect(await query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM emails")).toEqual(before)
  })

  it("sends from a published template named in X-PostStack-Template-Id with X-PostStack-Variables", async () => {
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      }).then(async (r) => (await r.json()) as Record<string, { publicId: string }>)
    const { template } = await api("POST", "/templates", {
      name: "Relay",
      subject: "Order {{ order }}",
      html: "<p>Order {{ order }} for {{ name }}</p>",
      text: "Order {{ order }} for {{ name }}"
    })
    const id = template?.publicId ?? ""
    const t = transport(key)
    const message = (variables: string) => ({
      from: "orders@relay.test",
      to: "templated@receiver.test",
      subject: "ignored",
      text: "ignored body",
      headers: { "X-PostStack-Template-Id": id, "X-PostStack-Variables": variables }
    })
    await expect(t.sendMail(message('{"order":"7","name":"Ann"}'))).rejects.toThrow(
      /554 5\.6\.0 Template not published/
    )
    await api("POST", `/templates/${id}/publish`)
    await expect(t.sendMail(message('{"order":7,"name":"Ann"}'))).rejects.toThrow(
      /554 5\.6\.0 variables must be strings: order/
    )
    await expect(t.sendMail(message('{"order":"7"}'))).rejects.toThrow(
      /554 5\.6\.0 Missing template variables: name/
    )
    await t.sendMail(message('{"order":"7","name":"<Ann>"}'))
    const got = (await waitForSink("templated@receiver.test")).raw.toString()
    expect(got).toMatch(/^Subject: Order 7\r$/m)
    expect(got).toContain("Order 7 for &lt;Ann&gt;")
    expect(got).toContain("Order 7 for <Ann>")
    expect(got).not.toContain("ignored body")
    expect(got).not.toMatch(/^X-PostStack-/im)
  })

  it("replays an idempotency key: the same email, one delivery", async () => {
    const t = transport(key)
    const message = {
      from: "orders@relay.test",
      to: "idem@receiver.test",
      subject: "Once",
      text: "only once",
      headers: { "X-PostStack-Idempotency-Key": "order-42" }
    }
    const first = await t.sendMail(message)
    const second = await t.sendMail(message)
    const id = /em_[0-9a-f]{32}/.exec(first.response)?.[0]
    expect(second.response).toMatch(/^250 2\.0\.0 Already accepted as em_/)
    expect(second.response).toContain(id)
    await expect(t.sendMail({ ...message, text: "something else" })).rejects.toThrow(
      /554 5\.6\.0 Idempotency/
    )
    const rows = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM deliveries WHERE recipient = 'idem@receiver.test'"
    )
    expect(rows[0]?.n).toBe(1)
  })

  it("stops a key deleted or rotated while its connection stays open: the next MAIL FROM is refused", async () => {
    const sent = (recipient: string) =>
      query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM deliveries WHERE recipient = $1", [
        recipient
      ])
    const newKey = async () => {
      const res = await fetch(`${server.baseUrl}/api-keys`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ name: "relay connection", permission: "sending_access" })
      })
      expect(res.status).toBe(201)
      return (await res.json()) as { id: number; key: string }
    }
    for (const [what, end] of [
      ["deleted", (id: number) => ({ method: "DELETE", path: `/api-keys/${id}` })],
      ["rotated", (id: number) => ({ method: "POST", path: `/api-keys/${id}/rotate` })]
    ] as const) {
      const made = await newKey()
      // One pooled connection: AUTH happens once, both messages travel on it.
      const t = nodemailer.createTransport({
        host: "127.0.0.1",
        port,
        secure: true,
        pool: true,
        maxConnections: 1,
        auth: { user: "poststack", pass: made.key },
        tls: { rejectUnauthorized: false }
      })
      pools.push(t)
      const message = (to: string) => ({ from: "orders@relay.test", to, subject: "Key", text: what })
      await expect(t.sendMail(message(`before-${what}@receiver.test`))).resolves.toMatchObject({
        response: expect.stringMatching(/^250 /)
      })
      const request = end(made.id)
      const res = await fetch(`${server.baseUrl}${request.path}`, {
        method: request.method,
        headers: { Authorization: `Bearer ${key}` }
      })
      expect(res.status).toBeLessThan(300)
      await expect(t.sendMail(message(`after-${what}@receiver.test`))).rejects.toMatchObject({
        responseCode: 530
      })
      expect((await sent(`before-${what}@receiver.test`))[0]?.n).toBe(1)
      expect((await sent(`after-${what}@receiver.test`))[0]?.n).toBe(0)
    }
  })
})

describe("SMTP submission rate limits", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let port: number
  const HOUR = 3_600_000

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    port = await freePort()
    const tls = await Effect.runPromise(SmtpTls.selfSigned("smtp.poststack.test"))
    server = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      rateLimit: { limit: 4, windowMs: HOUR },
      doors: SmtpSubmissionServer.layer({
        host: "127.0.0.1",
        implicitTlsPorts: [port],
        starttlsPort: null,
        tls,
        name: "smtp.poststack.test",
        maxMessageBytes: 256 * 1024,
        perKey: { limit: 4, windowMs: HOUR },
        authFailuresPerAddress: { limit: 2, windowMs: HOUR }
      })
    })
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("shares the per-key budget with the HTTP API (451 4.7.1 over SMTP, 429 over HTTP) and slows guessing (421)", async () => {
    const key = (await server.bootstrap()) ?? ""
    await addVerifiedDomain(server.baseUrl, key, dns, "limited.test") // two requests of the budget
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port,
      secure: true,
      auth: { user: "poststack", pass: key },
      tls: { rejectUnauthorized: false }
    })
    const mail = { from: "a@limited.test", to: "b@receiver.test", subject: "limit", text: "x" }
    await transport.sendMail(mail)
    await transport.sendMail(mail)
    await expect(transport.sendMail(mail)).rejects.toThrow(/451 4\.7\.1/)
    transport.close()
    const http = await fetch(`${server.baseUrl}/emails`, { headers: { Authorization: `Bearer ${key}` } })
    expect(http.status).toBe(429)

    const wrong = (n: number) =>
      dialogue(port, [
        "EHLO c.test\r\n",
        `AUTH PLAIN ${b64(`\0poststack\0sk_live_${"x".repeat(42)}${n}`)}\r\n`
      ])
    expect(await wrong(1)).toMatch(/^535 /m)
    expect(await wrong(2)).toMatch(/^535 /m)
    expect(await wrong(3)).toMatch(/^421 /m)
  })
})
