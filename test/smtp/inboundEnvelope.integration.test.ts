import { textProblem } from "@poststack/domain"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addInboundDomain } from "../support/domains.js"
import { startTestServer, type TestServer } from "../support/server.js"
import { deliverRaw, inboundMxDoor } from "../support/mx.js"

const message = (subject: string, body: string | Buffer) =>
  Buffer.concat([
    Buffer.from(
      [
        "From: Friend <friend@sender.test>",
        "To: team@inbox.test",
        `Subject: ${subject}`,
        `Message-ID: <${subject.replace(/\W/g, "")}@sender.test>`,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        ""
      ].join("\r\n")
    ),
    typeof body === "string" ? Buffer.from(body) : body,
    Buffer.from("\r\n")
  ])

describe("received mail keeps its SMTP envelope, and odd bytes in it are stored, not retried", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let key: string
  let otherKey: string
  let mxPort: number

  const call = async (method: string, path: string, as = key, body?: string) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${as}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body })
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const inbound = async (as = key) =>
    (await call("GET", "/inbound?per_page=100", as)).body.data as Array<Record<string, unknown>>

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    const mx = await inboundMxDoor()
    mxPort = mx.port
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address], doors: mx.layer })
    key = (await server.bootstrap()) ?? ""
    otherKey = await insertTeamWithKey(db.url, "Other")
    for (const [as, name] of [
      [key, "inbox.test"],
      [otherKey, "elsewhere.test"]
    ] as const) {
      await addInboundDomain(server.baseUrl, as, dns, name)
    }
    dns.publish("sender.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("stores MAIL FROM and each team's own RCPT TO addresses, and shows them on /inbound", async () => {
    const info = await deliverRaw(
      mxPort,
      "bounces+123@lists.sender.test",
      ["team@inbox.test", "Sales@inbox.test", "them@elsewhere.test"],
      message("Envelope", "hello")
    )
    expect(info.response).toMatch(/^250 /)
    const ours = (await inbound()).filter((e) => e.subject === "Envelope")
    expect(ours).toHaveLength(2)
    for (const row of ours) {
      expect(row.envelope).toEqual({
        mailFrom: "bounces+123@lists.sender.test",
        rcptTo: ["team@inbox.test", "Sales@inbox.test"]
      })
      // The header From is still what the message says.
      expect(row.fromAddress).toBe("friend@sender.test")
      // No spam filter configured on this server: no score, no verdict; the reply is the whole text.
      expect([row.spamScore, row.spamVerdict]).toEqual([null, null])
      expect(row.strippedReply).toBe(row.textBody)
    }
    const theirs = (await inbound(otherKey)).filter((e) => e.subject === "Envelope")
    expect(theirs.map((e) => e.envelope)).toEqual([
      { mailFrom: "bounces+123@lists.sender.test", rcptTo: ["them@elsewhere.test"] }
    ])
    const stored = await query<{ envelope_from: string; envelope_to: Array<string> }>(
      db.url,
      "SELECT envelope_from, envelope_to FROM inbound_emails WHERE subject = 'Envelope' ORDER BY id"
    )
    expect(stored).toHaveLength(3)
    const [payload] = await query<{ envelope: unknown }>(
      db.url,
      "SELECT payload->'envelope' AS envelope FROM events WHERE type = 'email.inbound' AND team_id = (SELECT team_id FROM inbound_emails WHERE to_address = 'them@elsewhere.test')"
    )
    expect(payload?.envelope).toEqual({
      mail_from: "bounces+123@lists.sender.test",
      rcpt_to: ["them@elsewhere.test"]
    })

    // The null sender of a bounce is an empty MAIL FROM.
    await deliverRaw(mxPort, "", ["team@inbox.test"], message("Null sender", "bounce"))
    const bounce = (await inbound()).find((e) => e.subject === "Null sender")
    expect(bounce?.envelope).toEqual({ mailFrom: "", rcptTo: ["team@inbox.test"] })
  })

  it("stores a message with NUL bytes (without them) instead of answering 451 for days", async () => {
    const body = Buffer.from([0x61, 0x00, 0x62, 0x0d, 0x0a, 0x00, 0x63])
    const info = await deliverRaw(
      mxPort,
      "friend@sender.test",
      ["team@inbox.test"],
      message("With NUL", body)
    )
    expect(info.response).toMatch(/^250 /)
    const row = (await inbound()).find((e) => e.subject === "With NUL")
    expect(row?.textBody).toMatch(/^ab\r?\nc/)
    // Encoded NULs and a lone surrogate from a UTF-16 header word are made storable too.
    const encoded = Buffer.from(
      [
        "From: Friend <friend@sender.test>",
        "To: team@inbox.test",
        "Subject: =?UTF-16BE?B?2ABhAGIAAA==?=",
        "X-Note: =?UTF-8?Q?x=00y?=",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "one=00two",
        ""
      ].join("\r\n")
    )
    const second = await deliverRaw(mxPort, "friend@sender.test", ["team@inbox.test"], encoded)
    expect(second.response).toMatch(/^250 /)
    const rows = await query<{ subject: string; text_body: string }>(
      db.url,
      "SELECT subject, text_body FROM inbound_emails WHERE text_body LIKE 'one%'"
    )
    expect(rows).toHaveLength(1)
    expect(rows[0]?.text_body).toMatch(/^onetwo/)
    expect(rows[0]?.subject).toBeTypeOf("string")
    expect(textProblem(rows[0]?.subject ?? "")).toBeUndefined()
  })

  it("answers POST /inbound/:id/draft-reply with no body at all, like {}", async () => {
    const id = (await inbound()).find((e) => e.subject === "Envelope")?.id
    const res = await fetch(`${server.baseUrl}/inbound/${id}/draft-reply`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
    })
    expect(res.status).toBe(200)
    const draft = (await res.json()) as Record<string, unknown>
    expect(draft.suggested_subject).toBe("Re: Envelope")
  })
})
