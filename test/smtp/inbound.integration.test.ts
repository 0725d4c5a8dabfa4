import { connect, type Socket } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectStoredEventsDecode } from "../support/storedEvents.js"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { addInboundDomain, addVerifiedDomain } from "../support/domains.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { startTestServer, type TestServer } from "../support/server.js"
import { deliverRaw, inboundMxDoor, rcptReplies } from "../support/mx.js"
import { callApi } from "../support/api.js"

const message = (to: string, extra: ReadonlyArray<string> = []) =>
  [
    "From: Friend <friend@sender.test>",
    `To: ${to}`,
    "Cc: Other <other@sender.test>",
    "Subject: Invoice question",
    "Message-ID: <q-1@sender.test>",
    "References: <earlier@sender.test>",
    "MIME-Version: 1.0",
    ...extra,
    'Content-Type: multipart/mixed; boundary="m1"',
    "",
    "--m1",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Where is my invoice?",
    "--m1",
    "Content-Type: application/pdf",
    'Content-Disposition: attachment; filename="invoice.pdf"',
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.from("%PDF-1.4 fake invoice").toString("base64"),
    "--m1--",
    ""
  ].join("\r\n")

describe("inbound mail through the MX, read back through /inbound", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let key: string
  let otherKey: string
  let mxPort: number

  const call = (method: string, path: string, body?: unknown, as = key) =>
    callApi(server.baseUrl, as, method, path, body)

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    const mx = await inboundMxDoor()
    mxPort = mx.port
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address], doors: mx.layer })
    key = (await server.bootstrap()) ?? ""
    await addInboundDomain(server.baseUrl, key, dns, "inbox.test")
    await addVerifiedDomain(server.baseUrl, key, dns, "sendonly.test")
    otherKey = await insertTeamWithKey(db.url, "Other")
    dns.publish("sender.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("stores mail for an inbound domain with its sender's authentication, and serves it at /inbound", async () => {
    const info = await deliverRaw(
      mxPort,
      "friend@sender.test",
      ["support+invoice-42@inbox.test"],
      message("support+invoice-42@inbox.test")
    )
    expect(info.response).toMatch(/^250 /)
    const listed = await call("GET", "/inbound?domain=inbox.test")
    expect(listed.status).toBe(200)
    expect(listed.body.meta).toEqual({ page: 1, perPage: 20, total: 1, totalPages: 1 })
    const row = (listed.body.data as Array<Record<string, unknown>>)[0]
    expect(row).toMatchObject({
      fromAddress: "friend@sender.test",
      fromName: "Friend",
      toAddress: "support+invoice-42@inbox.test",
      ccAddresses: [{ address: "other@sender.test", name: "Other" }],
      subject: "Invoice question",
      messageId: "<q-1@sender.test>",
      mailboxHash: "invoice-42",
      textBody: expect.stringContaining("Where is my invoice?"),
      authentication: { spf: "pass", dkim: "none", dmarc: expect.any(String) },
      attachmentCount: 1
    })
    const id = row?.id as number
    const got = await call("GET", `/inbound/${id}`)
    expect(got.body.inboundEmail).toMatchObject({ id, attachmentCount: 1 })

    const attachments = (await call("GET", `/inbound/${id}/attachments`)).body.attachments as Array<{
      id: number
      filename: string
      contentType: string
      size: number
    }>
    expect(attachments).toEqual([
      expect.objectContaining({ filename: "invoice.pdf", contentType: "application/pdf", size: 21 })
    ])
    const download = await fetch(`${server.baseUrl}/inbound/${id}/attachments/${attachments[0]?.id}`, {
      headers: { Authorization: `Bearer ${key}` }
    })
    expect(download.status).toBe(200)
    expect(download.headers.get("content-type")).toBe("application/pdf")
    expect(Buffer.from(await download.arrayBuffer()).toString()).toBe("%PDF-1.4 fake invoice")

    const outbox = await query<{ type: string; payload: Record<string, unknown> }>(
      db.url,
      "SELECT type, payload FROM events WHERE type IN ('inbound_email.received', 'email.inbound') ORDER BY id"
    )
    expect(outbox.map((e) => e.type).sort()).toEqual(["email.inbound", "inbound_email.received"])
    expect(outbox[0]?.payload).toMatchObject({ id, from: "friend@sender.test", mailbox_hash: "invoice-42" })

    // Another team sees none of it.
    expect((await call("GET", `/inbound/${id}`, undefined, otherKey)).status).toBe(404)
    expect(((await call("GET", "/inbound", undefined, otherKey)).body.meta as { total: number }).total).toBe(
      0
    )
  })

  it("serves attachments named in any script, with an ASCII filename and the exact name as filename*", async () => {
    const part = (header: string, body: string) => [
      "--m2",
      "Content-Type: text/plain",
      `Content-Disposition: attachment; ${header}`,
      "",
      body
    ]
    const raw = [
      "From: Friend <friend@sender.test>",
      "To: files@inbox.test",
      "Subject: Names",
      "Message-ID: <names-1@sender.test>",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="m2"',
      "",
      ...part('filename="=?utf-8?b?5paH5qGjLnR4dA==?="', "chinese"),
      ...part("filename*=UTF-8''r%C3%A9sum%C3%A9%20(1).txt", "latin"),
      ...part('filename="plain.txt"', "ascii"),
      "--m2--",
      ""
    ].join("\r\n")
    expect((await deliverRaw(mxPort, "friend@sender.test", ["files@inbox.test"], raw)).response).toMatch(
      /^250 /
    )
    const listed = await call("GET", "/inbound?domain=inbox.test")
    const id = (listed.body.data as Array<{ id: number; subject: string }>).find(
      (m) => m.subject === "Names"
    )?.id
    const attachments = (await call("GET", `/inbound/${id}/attachments`)).body.attachments as Array<{
      id: number
      filename: string
    }>
    const served = await Promise.all(
      attachments.map(async (a) => {
        const res = await fetch(`${server.baseUrl}/inbound/${id}/attachments/${a.id}`, {
          headers: { Authorization: `Bearer ${key}` }
        })
        // Whatever type the sender named, a browser that showed the file would run nothing.
        expect(res.headers.get("content-security-policy")).toBe("sandbox; default-src 'none'")
        expect(res.headers.get("x-content-type-options")).toBe("nosniff")
        return {
          status: res.status,
          disposition: res.headers.get("content-disposition"),
          body: await res.text()
        }
      })
    )
    expect(served).toEqual([
      {
        status: 200,
        disposition: "attachment; filename=\"__.txt\"; filename*=UTF-8''%E6%96%87%E6%A1%A3.txt",
        body: "chinese"
      },
      {
        status: 200,
        disposition:
          "attachment; filename=\"r_sum_ (1).txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29.txt",
        body: "latin"
      },
      { status: 200, disposition: 'attachment; filename="plain.txt"', body: "ascii" }
    ])
  })

  it("refuses recipients of domains without inbound, of unknown domains, and relaying", async () => {
    const replies = await rcptReplies(mxPort, "friend@sender.test", [
      "a@sendonly.test",
      "b@unknown.test",
      "c@gmail.com",
      "ok@inbox.test"
    ])
    expect(replies.match(/^550 5\.7\.1/gm)?.length).toBe(3)
    expect(replies).toMatch(/^250 Accepted/m)
  })

  it("lets one client address hold at most 20 connections, so idle sockets cannot fill the server", async () => {
    /** Opens a connection and waits for the server's first reply line. */
    const open = () =>
      new Promise<{ socket: Socket; greeting: string }>((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port: mxPort })
        socket.once("data", (d: Buffer) => resolve({ socket, greeting: d.toString() }))
        socket.once("error", reject)
      })
    const held = await Promise.all(Array.from({ length: 20 }, open))
    expect(held.every((c) => c.greeting.startsWith("220 "))).toBe(true)
    const over = await open()
    expect(over.greeting).toMatch(/^421 4\.7\.0 Too many connections from your address/)
    over.socket.destroy()
    // A slot freed is a slot taken again.
    const closed = held.pop()?.socket
    await new Promise<void>((resolve) => {
      closed?.once("close", () => resolve())
      closed?.destroy()
    })
    await new Promise((r) => setTimeout(r, 100))
    const again = await open()
    expect(again.greeting).toMatch(/^220 /)
    for (const c of [...held, again]) c.socket.destroy()
  })

  it("offers no SMTPUTF8 and refuses a non-ASCII address where it is given, not as relaying", async () => {
    const replies = await rcptReplies(mxPort, "friend@sender.test", ["jürgen@inbox.test", "ok@inbox.test"])
    expect(replies).not.toMatch(/^250[- ]SMTPUTF8/m)
    expect(replies).toMatch(/^553 5\.6\.7 Non-ASCII addresses not permitted for that recipient/m)
    expect(replies).not.toMatch(/Relaying denied/)
    expect(replies).toMatch(/^250 Accepted/m)
    const sender = await rcptReplies(mxPort, "jürgen@sender.test", ["ok@inbox.test"])
    expect(sender).toMatch(/^553 5\.6\.7 Non-ASCII addresses not permitted for that sender/m)
  })

  it("replies, forwards, drafts and deletes", async () => {
    await deliverRaw(mxPort, "friend@sender.test", ["help@inbox.test"], message("help@inbox.test"))
    const listed = await call("GET", "/inbound")
    const id = (listed.body.data as Array<{ id: number; toAddress: string }>).find(
      (e) => e.toAddress === "help@inbox.test"
    )?.id

    const reply = await call("POST", `/inbound/${id}/reply`, {
      from: "help@inbox.test",
      text: "It is attached."
    })
    expect(reply.status).toBe(202)
    const replied = (await call("GET", `/emails/${String(reply.body.id)}`)).body.email as Record<
      string,
      unknown
    >
    expect(replied).toMatchObject({
      toAddresses: ["friend@sender.test"],
      subject: "Re: Invoice question",
      headers: { "In-Reply-To": "<q-1@sender.test>", References: "<earlier@sender.test> <q-1@sender.test>" }
    })

    const forward = await call("POST", `/inbound/${id}/forward`, {
      from: "help@inbox.test",
      to: ["boss@elsewhere.test"],
      message: "FYI"
    })
    expect(forward.status).toBe(202)
    const forwarded = (await call("GET", `/emails/${String(forward.body.id)}`)).body.email as Record<
      string,
      unknown
    >
    expect(forwarded).toMatchObject({
      subject: "Fwd: Invoice question",
      toAddresses: ["boss@elsewhere.test"]
    })
    expect(forwarded.textBody).toContain("FYI")
    expect(forwarded.textBody).toContain("Where is my invoice?")
    const carried = await query<{ filename: string }>(
      db.url,
      "SELECT a.filename FROM email_attachments a JOIN emails e ON e.id = a.email_id WHERE e.public_id = $1",
      [String(forward.body.id)]
    )
    expect(carried).toEqual([{ filename: "invoice.pdf" }])
    expect((await call("POST", `/inbound/${id}/forward`, { from: "help@inbox.test", to: [] })).status).toBe(
      422
    )
    expect((await call("POST", `/inbound/${id}/reply`, { from: "x@other.test", text: "x" })).status).toBe(422)

    const draft = await call("POST", `/inbound/${id}/draft-reply`, { tone: "formal" })
    expect(draft.status).toBe(200)
    expect(draft.body).toMatchObject({
      suggested_subject: "Re: Invoice question",
      salutation: "Dear Friend,",
      threading: {
        in_reply_to: "<q-1@sender.test>",
        // A string, as the SDK types it: the References header's value.
        references: "<earlier@sender.test> <q-1@sender.test>"
      }
    })

    expect((await call("DELETE", `/inbound/${id}`)).body).toEqual({ success: true, deleted: true })
    expect((await call("GET", `/inbound/${id}`)).status).toBe(404)
    expect((await call("DELETE", `/inbound/${id}`)).status).toBe(404)
  })

  it("refuses hostile messages within bounded time and keeps serving others", async () => {
    const hugeHeader = message("h@inbox.test", [`X-Filler: ${"a".repeat(300 * 1024)}`])
    await expect(deliverRaw(mxPort, "friend@sender.test", ["h@inbox.test"], hugeHeader)).rejects.toThrow(
      /554 5\.6\.0/
    )

    let nested = "Content-Type: text/plain\r\n\r\ninner\r\n"
    for (let i = 0; i < 60; i++) {
      nested = `Content-Type: multipart/mixed; boundary="n${i}"\r\n\r\n--n${i}\r\n${nested}\r\n--n${i}--\r\n`
    }
    const deep = `From: friend@sender.test\r\nTo: d@inbox.test\r\nSubject: deep\r\nMIME-Version: 1.0\r\n${nested}`
    const started = Date.now()
    await expect(deliverRaw(mxPort, "friend@sender.test", ["d@inbox.test"], deep)).rejects.toThrow(
      /554 5\.6\.0/
    )
    expect(Date.now() - started).toBeLessThan(5_000)

    const big = message("big@inbox.test").replace("Where is my invoice?", "x".repeat(600 * 1024))
    await expect(deliverRaw(mxPort, "friend@sender.test", ["big@inbox.test"], big)).rejects.toThrow(/552/)

    const badCharset = [
      "From: friend@sender.test",
      "To: cs@inbox.test",
      "Subject: =?x-no-such-charset?Q?caf=E9?=",
      "Content-Type: text/plain; charset=x-no-such-charset",
      "",
      "caf\xe9",
      ""
    ].join("\r\n")
    expect(
      (await deliverRaw(mxPort, "friend@sender.test", ["cs@inbox.test"], Buffer.from(badCharset, "latin1")))
        .response
    ).toMatch(/^250/)

    const after = await deliverRaw(
      mxPort,
      "friend@sender.test",
      ["fine@inbox.test"],
      message("fine@inbox.test")
    )
    expect(after.response).toMatch(/^250/)
    const stored = await query<{ to_address: string }>(
      db.url,
      "SELECT to_address FROM inbound_emails ORDER BY id"
    )
    expect(stored.map((r) => r.to_address)).not.toContain("h@inbox.test")
    expect(stored.map((r) => r.to_address)).not.toContain("d@inbox.test")
    expect(stored.map((r) => r.to_address)).toContain("fine@inbox.test")
  })

  it("refuses parts without a Content-Type and nesting under `Content-Type :` past the limits", async () => {
    const head = "From: friend@sender.test\r\nTo: p@inbox.test\r\nSubject: limits\r\nMIME-Version: 1.0\r\n"
    const parts = `${head}Content-Type: multipart/mixed; boundary=Z\r\n\r\n${"--Z\r\nContent-Disposition: attachment; filename=f.txt\r\n\r\nx\r\n".repeat(999)}--Z--\r\n`
    await expect(deliverRaw(mxPort, "friend@sender.test", ["p@inbox.test"], parts)).rejects.toThrow(
      /554 5\.6\.0 Message refused: too many MIME parts/
    )
    let nested = "Content-Type: text/plain\r\n\r\nleaf"
    for (let i = 0; i < 60; i++) {
      nested = `Content-Type : multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${nested}\r\n--b${i}--\r\n`
    }
    await expect(deliverRaw(mxPort, "friend@sender.test", ["p@inbox.test"], head + nested)).rejects.toThrow(
      /554 5\.6\.0 Message refused: too many nested multipart levels/
    )
    const stored = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM inbound_emails WHERE to_address = 'p@inbox.test'"
    )
    expect(stored).toEqual([{ n: 0 }])
  })

  it("stores one email per recipient however often and in whatever case RCPT names it", async () => {
    const info = await deliverRaw(
      mxPort,
      "friend@sender.test",
      ["dup@inbox.test", "DUP@INBOX.TEST", "dup@inbox.test", "Dup@Inbox.Test", "other@inbox.test"],
      message("dup@inbox.test")
    )
    expect(info.response).toMatch(/^250 /)
    const rows = await query<{ to_address: string; envelope_to: Array<string> }>(
      db.url,
      "SELECT to_address, envelope_to FROM inbound_emails WHERE lower(to_address) IN ('dup@inbox.test', 'other@inbox.test') ORDER BY id"
    )
    expect(rows.map((r) => r.to_address)).toEqual(["dup@inbox.test", "other@inbox.test"])
    expect(rows[0]?.envelope_to).toEqual(["dup@inbox.test", "other@inbox.test"])
  })

  it("stores every event it produced as the contract's typed events", async () => {
    await expectStoredEventsDecode(db.url, ["inbound_email.received", "email.inbound"])
  })
})
