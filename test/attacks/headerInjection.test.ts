import { PgDatabase } from "@poststack/adapters-persistence"
import type { PeriodicTask } from "@poststack/application"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { testServices } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import { request, snapshotCounts, startTwoTeams, type TwoTeams } from "./harness.js"

const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []

// Every way a line break can be spelled in JSON text that reaches us.
const BREAKS = {
  crlf: "\r\nBcc: smuggled@evil.test",
  cr: "\rBcc: smuggled@evil.test",
  lf: "\nBcc: smuggled@evil.test"
}

const base = {
  from: "Shop <orders@a.test>",
  to: ["bob@receiver.test"],
  subject: "Your order",
  text: "Thanks"
}
const attachment = (extra: Record<string, unknown>) => ({
  filename: "invoice.txt",
  content: Buffer.from("hello").toString("base64"),
  ...extra
})

/** Bodies the API must refuse, with the status it refuses them with. */
const refused: Array<[string, Record<string, unknown>, 400 | 422]> = []
for (const [how, tail] of Object.entries(BREAKS)) {
  refused.push(
    [`from address (${how})`, { from: `orders@a.test${tail}` }, 422],
    [`from display name (${how})`, { from: `Shop${tail} <orders@a.test>` }, 422],
    [`to (${how})`, { to: [`bob@receiver.test${tail}`] }, 422],
    [`to as a single string (${how})`, { to: `bob@receiver.test${tail}` }, 422],
    [`cc (${how})`, { cc: [`carol@receiver.test${tail}`] }, 422],
    [`bcc (${how})`, { bcc: [`dave@receiver.test${tail}`] }, 422],
    [`reply_to (${how})`, { reply_to: `help@a.test${tail}` }, 422],
    [`reply_to display name (${how})`, { reply_to: [`Help${tail} <help@a.test>`] }, 422],
    [`subject (${how})`, { subject: `Hello${tail}` }, 422],
    [`custom header value (${how})`, { headers: { "X-Order": `42${tail}` } }, 422],
    [`custom header name (${how})`, { headers: { [`X-Order${tail}`]: "42" } }, 422],
    [`tag (${how})`, { tags: [`vip${tail}`] }, 422],
    [`attachment filename (${how})`, { attachments: [attachment({ filename: `a.txt${tail}` })] }, 422],
    [
      `attachment content_type (${how})`,
      { attachments: [attachment({ content_type: `text/plain${tail}` })] },
      422
    ],
    [`attachment content_id (${how})`, { attachments: [attachment({ content_id: `logo${tail}` })] }, 400]
  )
}
refused.push(
  ["NUL in a header value", { headers: { "X-Order": "4\u00002" } }, 400],
  ["U+2028 in the from address", { from: "orders@a.test\u2028Bcc: smuggled@evil.test" }, 422],
  ["U+2028 in to", { to: ["bob@receiver.test\u2028Bcc: smuggled@evil.test"] }, 422],
  ["U+2028 in cc", { cc: ["carol@receiver.test\u2028Bcc: smuggled@evil.test"] }, 422],
  ["U+2028 in bcc", { bcc: ["dave@receiver.test\u2029smuggled@evil.test"] }, 422],
  ["U+2028 in reply_to", { reply_to: "help@a.test\u2028Bcc: smuggled@evil.test" }, 422],
  ["U+2028 in the from display name", { from: "Shop\u2028Bcc: smuggled@evil.test <orders@a.test>" }, 422],
  [
    "U+2028 in a reply_to display name",
    { reply_to: ["Help\u2028Bcc: smuggled@evil.test <help@a.test>"] },
    422
  ],
  ["NUL in the subject", { subject: "Hello\u0000" }, 400],
  ["NUL in the html body", { html: "<p>a\u0000</p>" }, 400],
  ["NUL in content_id", { attachments: [attachment({ content_id: "logo\u0000" })] }, 400],
  ["NUL in a tag", { tags: ["v\u0000ip"] }, 400],
  ["U+2028 in a custom header name", { headers: { "X-Order\u2028Bcc": "42" } }, 422],
  ["U+2028 in content_id", { attachments: [attachment({ content_id: "logo\u2028x" })] }, 400],
  ["two addresses in one to entry", { to: ["bob@receiver.test, smuggled@evil.test"] }, 422],
  ["a group in a to entry", { to: ["Friends: smuggled@evil.test;"] }, 422],
  ["a quoted address hiding a second one", { to: ['"x" <bob@receiver.test>, <smuggled@evil.test>'] }, 422]
)
// Headers we write ourselves may not be set or overridden, whatever their case.
const OWNED = [
  "From",
  "To",
  "Cc",
  "Bcc",
  "Subject",
  "Message-ID",
  "Date",
  "DKIM-Signature",
  "Return-Path",
  "Content-Type",
  "Content-Transfer-Encoding",
  "MIME-Version",
  "Received",
  "Sender",
  "Reply-To",
  "List-Unsubscribe",
  "List-Unsubscribe-Post",
  "Authentication-Results",
  "ARC-Seal",
  "X-PostStack-Team"
]
for (const name of OWNED) {
  for (const spelling of [name, name.toLowerCase(), name.toUpperCase()]) {
    refused.push([`custom header ${spelling}`, { headers: { [spelling]: "attacker value" } }, 422])
  }
}

/** The header section of a delivered message, unfolded, as [name, value] lines in order. */
const headerLines = (raw: string): Array<[string, string]> => {
  const head = raw.slice(0, raw.indexOf("\r\n\r\n"))
  return head
    .replace(/\r\n[ \t]/g, " ")
    .split("\r\n")
    .map((line) => {
      const colon = line.indexOf(":")
      return [line.slice(0, colon), line.slice(colon + 1).trim()] as [string, string]
    })
}

describe("header injection through every field of POST /emails and /emails/batch", () => {
  let teams: TwoTeams
  let sink: SmtpSink
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>
  const send = (path: string, body: unknown) => request(teams.server.baseUrl, teams.keyA, "POST", path, body)

  beforeAll(async () => {
    teams = await startTwoTeams()
    sink = await startSmtpSink()
    teams.dns.publish("receiver.test", "MX", "mx1.receiver.test")
    teams.dns.publish("mx1.receiver.test", "A", "127.0.0.1")
    teams.dns.publish("evil.test", "MX", "mx1.receiver.test")
    // The clean neighbours of refused batch elements are delivered too, so what they carry is seen.
    teams.dns.publish("quiet.test", "MX", "mx1.receiver.test")
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, jobs).pipe(
        Layer.provide(
          testServices({ dnsServers: [teams.dns.address], mxPort: sink.port, allowPrivateMx: true })
        ),
        Layer.provide(PgDatabase.layer(Redacted.make(teams.db.url), { maxConnections: 3 }))
      )
    )
    await worker.runPromise(Effect.void)
  })
  afterAll(async () => {
    await worker.dispose()
    await sink.close()
    await teams.close()
  })

  it(`refuses each of ${refused.length} injections on /emails with its status and stores nothing`, async () => {
    const before = await snapshotCounts(teams.db.url)
    const wrong: Array<string> = []
    for (const [label, patch, status] of refused) {
      const res = await send("/emails", { ...base, ...patch })
      const code = status === 400 ? "invalid_request" : "unprocessable_entity"
      if (res.status !== status || res.body.code !== code || Object.keys(res.body).length !== 2)
        wrong.push(`${label}: ${res.status} ${res.text.slice(0, 200)}`)
    }
    expect(wrong).toEqual([])
    expect(await snapshotCounts(teams.db.url)).toEqual(before)
  })

  it("refuses each injection as a batch element, storing only the clean neighbours", async () => {
    const before = await snapshotCounts(teams.db.url)
    const clean = { ...base, to: ["neighbour@quiet.test"], subject: "clean neighbour" }
    const unprocessable = refused.filter(([, , status]) => status === 422)
    for (let i = 0; i < unprocessable.length; i += 98) {
      const chunk = unprocessable.slice(i, i + 98)
      const res = await send("/emails/batch", {
        emails: [clean, ...chunk.map(([, patch]) => ({ ...base, ...patch })), clean]
      })
      expect(res.status).toBe(202)
      const data = res.body.data as Array<Record<string, unknown>>
      expect(data).toHaveLength(chunk.length + 2)
      expect(data[0]).toEqual({ id: expect.stringMatching(/^em_/) })
      expect(data.at(-1)).toEqual({ id: expect.stringMatching(/^em_/) })
      const wrong = chunk.filter(
        (_, j) => data[j + 1]?.code !== "unprocessable_entity" || Object.keys(data[j + 1] ?? {}).length !== 2
      )
      expect(wrong.map(([label]) => label)).toEqual([])
    }
    const [emails] = await query<{ n: string }>(teams.db.url, "SELECT count(*) AS n FROM emails")
    const batches = Math.ceil(unprocessable.length / 98)
    expect(Number(emails?.n)).toBe((before.emails ?? 0) + 2 * batches)
    const subjects = await query<{ subject: string }>(teams.db.url, "SELECT DISTINCT subject FROM emails")
    expect(subjects).toEqual([{ subject: "clean neighbour" }])
    // A body that does not match the schema refuses the whole batch, the clean neighbour too.
    for (const [label, patch] of refused.filter(([, , status]) => status === 400)) {
      const res = await send("/emails/batch", { emails: [clean, { ...base, ...patch }] })
      expect({ label, ...res.body }).toMatchObject({ label, code: "invalid_request" })
      expect(res.status).toBe(400)
    }
    const [after] = await query<{ n: string }>(teams.db.url, "SELECT count(*) AS n FROM emails")
    expect(Number(after?.n)).toBe((before.emails ?? 0) + 2 * batches)
    // Every clean neighbour reaches the receiving MTA, and nothing else does: no refused element,
    // no smuggled recipient, and no header of a refused element leaked into a neighbour's copy.
    const expected = 2 * batches
    const deadline = Date.now() + 30_000
    for (;;) {
      const [row] = await query<{ n: string }>(
        teams.db.url,
        "SELECT count(*) AS n FROM deliveries WHERE recipient = 'neighbour@quiet.test' AND status = 'delivered'"
      )
      if (Number(row?.n) === expected) break
      if (Date.now() > deadline) throw new Error(`only ${row?.n} of ${expected} clean neighbours delivered`)
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(sink.received.map((m) => m.to)).toEqual(Array(expected).fill(["neighbour@quiet.test"]))
    for (const copy of sink.received) {
      const raw = copy.raw.toString("latin1")
      const lines = headerLines(raw)
      expect(lines.map(([name]) => name.toLowerCase()).sort()).toEqual(
        [
          "content-transfer-encoding",
          "content-type",
          "date",
          "dkim-signature",
          "from",
          "message-id",
          "mime-version",
          "subject",
          "to"
        ].sort()
      )
      expect(lines.find(([name]) => name.toLowerCase() === "subject")?.[1]).toBe("clean neighbour")
      expect(raw).not.toContain("smuggled")
      expect(raw).not.toMatch(/^Bcc:/im)
    }
  })

  it("delivers what it accepts (U+2028, %0d%0a as text, specials in names) without one injected header or recipient", async () => {
    const sep = "\u2028Bcc: smuggled@evil.test"
    const res = await send("/emails", {
      from: `"Shop%0d%0aBcc: smuggled@evil.test" <orders@a.test>`,
      to: ["bob@receiver.test"],
      reply_to: ["Team: smuggled@evil.test, other@evil.test; <help@a.test>"],
      subject: `Order%0d%0aBcc: smuggled@evil.test${sep}\u2029X-Injected: 1`,
      text: "Thanks",
      headers: { "X-Order%0d%0aBcc": `42${sep}`, "X-Ref": "a\u0085Bcc: smuggled@evil.test" },
      tags: [`vip${sep}`],
      attachments: [attachment({ filename: `inv${sep}.txt`, content_id: "logo%0d%0aBcc:smuggled@evil.test" })]
    })
    expect(res.text).toMatch(/"id":"em_/)
    const id = String(res.body.id)
    const deadline = Date.now() + 20_000
    while (!sink.received.some((m) => m.to.includes("bob@receiver.test")) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100))
    const delivered = sink.received.filter((m) => m.to.includes("bob@receiver.test"))
    expect(delivered).toHaveLength(1)
    // The envelope: one recipient, the one asked for; nothing went to evil.test.
    expect(sink.received.flatMap((m) => m.to).filter((to) => to.endsWith("@evil.test"))).toEqual([])
    expect(delivered[0]?.to).toEqual(["bob@receiver.test"])
    const [deliveries] = await query<{ n: string }>(
      teams.db.url,
      "SELECT count(*) AS n FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE e.public_id = $1",
      [id]
    )
    expect(Number(deliveries?.n)).toBe(1)
    // The message: no header line but ours and the two custom ones, one From, no Bcc or injected line.
    const raw = delivered[0]?.raw.toString("latin1") ?? ""
    const lines = headerLines(raw)
    const names = lines.map(([name]) => name.toLowerCase())
    expect(names.filter((n) => n === "from")).toHaveLength(1)
    expect(names.filter((n) => n === "to")).toHaveLength(1)
    expect(names.filter((n) => n === "subject")).toHaveLength(1)
    expect(names.filter((n) => n === "reply-to")).toHaveLength(1)
    expect(names).not.toContain("bcc")
    expect(names).not.toContain("x-injected")
    expect(names.filter((n) => !["from", "to", "subject", "reply-to"].includes(n)).sort()).toEqual(
      [
        "content-type",
        "date",
        "dkim-signature",
        "message-id",
        "mime-version",
        "x-order%0d%0abcc",
        "x-ref"
      ].sort()
    )
    // Every header line is plain ASCII: the unusual separators went out encoded, never raw.
    expect(raw.slice(0, raw.indexOf("\r\n\r\n"))).toMatch(/^[\x20-\x7e\r\n\t]*$/)
    const get = (name: string) => lines.find(([n]) => n.toLowerCase() === name)?.[1] ?? ""
    expect(get("from")).toMatch(/<orders@a\.test>$/)
    expect(
      get("from")
        .replace(/"(?:[^"\\]|\\.)*"/g, "")
        .match(/@/g)
    ).toHaveLength(1)
    // Reply-To: the one mailbox that was validated, its name quoted, not a group of other addresses.
    expect(get("reply-to").replace(/"(?:[^"\\]|\\.)*"/g, "")).toBe(" <help@a.test>")
    // Inside the MIME parts too: the Content-ID stays on its own line, whole.
    expect(raw).toMatch(/^Content-ID: <logo%0d%0aBcc:smuggled@evil\.test>\r$/m)
    expect(raw).not.toMatch(/^Bcc:/im)
  })

  it("never writes Bcc recipients into any copy, their own included", async () => {
    const res = await send("/emails", {
      ...base,
      to: ["erin@receiver.test"],
      cc: ["frank@receiver.test"],
      bcc: ["hidden@receiver.test"],
      subject: "Quarterly numbers"
    })
    expect(res.status).toBe(202)
    const deadline = Date.now() + 20_000
    const copies = () => sink.received.filter((m) => m.raw.toString().includes("Quarterly numbers"))
    while (copies().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(
      copies()
        .flatMap((m) => m.to)
        .sort()
    ).toEqual(["erin@receiver.test", "frank@receiver.test", "hidden@receiver.test"])
    for (const copy of copies()) {
      const head = copy.raw.toString().slice(0, copy.raw.indexOf("\r\n\r\n"))
      expect(head).not.toContain("hidden@receiver.test")
      expect(head).not.toMatch(/^Bcc:/im)
    }
  })
})

describe("header injection through broadcasts", () => {
  let teams: TwoTeams
  beforeAll(async () => {
    teams = await startTwoTeams()
  })
  afterAll(async () => {
    await teams.close()
  })

  it("refuses a line break in a broadcast's subject or a variant's, and stores no broadcast", async () => {
    const segment = await request(teams.server.baseUrl, teams.keyA, "POST", "/segments", { name: "m" })
    expect(segment.status).toBe(201)
    const segmentId = (segment.body.segment as { publicId: string }).publicId
    const base = { name: "b", from: "news@a.test", html: "<p>x</p>", segment_id: segmentId }
    const bodies = [
      { ...base, subject: "s\r\nBcc: evil@example.com" },
      { ...base, subject: "s\nX-Evil: 1" },
      {
        ...base,
        subject: "s",
        ab_test: {
          variants: [
            { name: "a", subject: "a", html: "<p>a</p>", weight: 50 },
            { name: "b", subject: "b\r\nBcc: evil@example.com", html: "<p>b</p>", weight: 50 }
          ]
        }
      }
    ]
    for (const body of bodies) {
      const res = await request(teams.server.baseUrl, teams.keyA, "POST", "/broadcasts", body)
      expect({ status: res.status, code: res.body.code, error: res.body.error }).toEqual({
        status: 422,
        code: "unprocessable_entity",
        error: expect.stringMatching(/subject must not contain line breaks/)
      })
    }
    const [count] = await query<{ n: string }>(teams.db.url, "SELECT count(*) AS n FROM broadcasts")
    expect(Number(count?.n)).toBe(0)
    const clean = await request(teams.server.baseUrl, teams.keyA, "POST", "/broadcasts", {
      ...base,
      subject: "s"
    })
    expect(clean.status).toBe(201)
  })

  it("refuses a line break in a template's subject, made or changed, and keeps the stored one", async () => {
    const post = (path: string, body: unknown, method = "POST") =>
      request(teams.server.baseUrl, teams.keyA, method, path, body)
    const refused = (res: { status: number; body: Record<string, unknown> }) =>
      expect({ status: res.status, code: res.body.code, error: res.body.error }).toEqual({
        status: 422,
        code: "unprocessable_entity",
        error: expect.stringMatching(/subject must not contain line breaks/)
      })
    refused(await post("/templates", { name: "t", subject: "s\r\nBcc: evil@example.com", html: "<p>x</p>" }))
    const made = await post("/templates", { name: "t", subject: "Hello", html: "<p>x</p>" })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    const id = (made.body.template as { publicId: string }).publicId
    refused(await post(`/templates/${id}`, { subject: "s\nX-Evil: 1" }, "PATCH"))
    const [row] = await query<{ n: string; subject: string }>(
      teams.db.url,
      "SELECT count(*) OVER () AS n, subject FROM templates"
    )
    expect(row).toEqual({ n: "1", subject: "Hello" })
  })
})
