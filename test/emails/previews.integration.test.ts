import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { freePort } from "../support/net.js"
import { rspamdUrl } from "../support/rspamd.js"
import { startTestServer, type TestServer } from "../support/server.js"

interface Res {
  status: number
  body: Record<string, unknown>
}

const SPAM_ACTIONS = ["no_action", "greylist", "add_header", "rewrite_subject", "soft_reject", "reject"]

interface SpamWire {
  score: number
  action: string
  symbols: Array<{ name: string; score: number; description?: string }>
  skipped: boolean
}

describe("previews, spam scores and insights, scored by a real rspamd", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let key: string
  let sendingKey: string

  const call = async (method: string, path: string, body?: unknown, apiKey = key, base = server.baseUrl) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> } satisfies Res
  }

  const clean = {
    from: "Acme <hello@preview.test>",
    to: ["reader@example.com"],
    subject: "Your receipt for order 1042",
    html: '<p>Hello Ann,</p><p>Thanks for your order. <a href="https://shop.example/orders/1042">See it here</a>.</p>',
    text: "Hello Ann,\n\nThanks for your order: https://shop.example/orders/1042\n"
  }
  const shouting = {
    from: "Deals <deals@preview.test>",
    to: "reader@example.com",
    subject: "FREE MONEY!!! ACT NOW!!! LIMITED OFFER",
    html: '<p>CLICK HERE TO CLAIM YOUR FREE MONEY!!!</p><a href="http://bit.ly/abc">CLICK</a><img src="https://x.example/a.jpg">'
  }

  beforeAll(async () => {
    const rspamd = await rspamdUrl()
    db = await createTestDatabase()
    dns = await startDnsServer()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address], rspamdUrl: rspamd })
    key = (await server.bootstrap()) ?? ""
    await addVerifiedDomain(server.baseUrl, key, dns, "preview.test")
    sendingKey = String(
      (await call("POST", "/api-keys", { name: "sender", permission: "sending_access" })).body.key
    )
  }, 90_000)
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("scores a message with rspamd's own verdict, its action in the SDK's SpamAction words", async () => {
    const calm = await call("POST", "/emails/spam-preview", clean, sendingKey)
    expect(calm.status).toBe(200)
    const calmSpam = calm.body as unknown as SpamWire
    expect(calmSpam.skipped).toBe(false)
    // Offline, rspamd cannot resolve the test domains and scores that a little (greylist at 4 points).
    expect(["no_action", "greylist"]).toContain(calmSpam.action)
    expect(calmSpam.symbols.length).toBeGreaterThan(3)
    // Rules rspamd itself names, with its descriptions: no fixed answer could know them.
    expect(calmSpam.symbols.map((s) => s.name)).toContain("RCPT_COUNT_ONE")
    expect(calmSpam.symbols.find((s) => s.name === "RCPT_COUNT_ONE")?.description).toBe("One recipient")

    const loud = (await call("POST", "/emails/spam-preview", shouting)).body as unknown as SpamWire
    expect(loud.skipped).toBe(false)
    expect(SPAM_ACTIONS).toContain(loud.action)
    // rspamd 3.4 adds a header past 6 points; all capitals alone is worth almost 3 of them.
    expect(loud.action).toBe("add_header")
    expect(loud.score).toBeGreaterThan(calmSpam.score)
    expect(loud.symbols[0]?.score).toBeGreaterThanOrEqual(loud.symbols.at(-1)?.score ?? 0)
    expect(loud.symbols.find((s) => s.name === "SUBJ_ALL_CAPS")?.score).toBeGreaterThan(0)

    // The SDK's own example scores a draft with a subject and no body yet.
    const draft = await call("POST", "/emails/spam-preview", {
      from: "a@preview.test",
      to: ["c@d.test"],
      subject: "s"
    })
    expect(draft.status).toBe(200)
    expect(draft.body).toMatchObject({ skipped: false })
  })

  it("previews what a send would deliver, with sizes, the spam reading and advice, and stores nothing", async () => {
    const before = (await call("GET", "/emails")).body.meta as { total: number }
    const res = await call("POST", "/emails/preview", { ...shouting, text: undefined })
    expect(res.status).toBe(200)
    const preview = res.body as {
      rendered_subject: string
      rendered_html: string
      rendered_text: string
      size: { html_bytes: number; text_bytes: number }
      spam: SpamWire
      warnings: Array<{ code: string; type: string; severity: string; message: string }>
    }
    expect(preview.rendered_subject).toBe(shouting.subject)
    expect(preview.rendered_html).toBe(shouting.html)
    // The text part delivery would derive from the HTML.
    expect(preview.rendered_text).toContain("CLICK HERE TO CLAIM YOUR FREE MONEY!!!")
    expect(preview.size).toEqual({
      html_bytes: Buffer.byteLength(shouting.html),
      text_bytes: Buffer.byteLength(preview.rendered_text)
    })
    expect(preview.spam).toMatchObject({ action: "add_header", skipped: false })
    expect(preview.warnings.map((w) => w.code)).toEqual(
      expect.arrayContaining(["missing_text_body", "subject_all_caps", "link_shortener", "insecure_link"])
    )
    for (const w of preview.warnings) {
      expect(["warning", "info"]).toContain(w.severity)
      expect(w.type).toBe(w.code)
    }
    expect(((await call("GET", "/emails")).body.meta as { total: number }).total).toBe(before.total)
  })

  it("refuses what a send would refuse, with 422 or 400", async () => {
    expect(await call("POST", "/emails/preview", { ...clean, subject: undefined })).toMatchObject({
      status: 422,
      body: { code: "unprocessable_entity" }
    })
    expect(
      await call("POST", "/emails/spam-preview", {
        ...clean,
        to: ["a@x.test", "b@x.test", "c@x.test", "d@x.test", "e@x.test", "f@x.test"]
      })
    ).toMatchObject({ status: 400, body: { code: "invalid_request" } })
    expect(await call("POST", "/emails/spam-preview", { ...clean, from: "not an address" })).toMatchObject({
      status: 422,
      body: { code: "unprocessable_entity" }
    })
    expect(await call("POST", "/emails/preview", { ...clean, template_id: "tpl_x" })).toMatchObject({
      status: 422
    })
    expect((await call("POST", "/emails/spam-preview", clean, "sk_live_nope")).status).toBe(401)
  })

  it("gives a stored email's insights as {warnings}, to sending keys too, and 404 for others' mail", async () => {
    const sent = await call("POST", "/emails", { ...clean, text: undefined, subject: "IMPORTANT NOTICE" })
    expect(sent.status).toBe(202)
    const res = await call("GET", `/emails/${sent.body.id}/insights`, undefined, sendingKey)
    expect(res.status).toBe(200)
    const warnings = res.body.warnings as Array<{ code: string; severity: string; type: string }>
    expect(warnings.map((w) => w.code)).toEqual([
      "missing_text_body",
      "subject_all_caps",
      "missing_unsubscribe"
    ])
    const tidy = await call("POST", "/emails", { ...clean, unsubscribe: true })
    expect((await call("GET", `/emails/${tidy.body.id}/insights`)).body).toEqual({ warnings: [] })
    expect(await call("GET", "/emails/em_0000/insights")).toMatchObject({
      status: 404,
      body: { code: "not_found" }
    })
  })

  it("says clearly when no filter is configured (503 spam_scoring_not_configured), and skips when it is down", async () => {
    const bare = await startTestServer({ databaseUrl: db.url })
    const closed = await freePort()
    const down = await startTestServer({ databaseUrl: db.url, rspamdUrl: `http://127.0.0.1:${closed}` })
    try {
      const unconfigured = await call("POST", "/emails/spam-preview", clean, key, bare.baseUrl)
      expect(unconfigured.status).toBe(503)
      expect(unconfigured.body.code).toBe("spam_scoring_not_configured")
      expect(String(unconfigured.body.error)).toContain("POSTSTACK_RSPAMD_URL")
      // A preview still works; its spam part says it was skipped.
      const preview = await call("POST", "/emails/preview", clean, key, bare.baseUrl)
      expect(preview.status).toBe(200)
      expect(preview.body.spam).toEqual({ score: 0, action: "no_action", symbols: [], skipped: true })

      expect(await call("POST", "/emails/spam-preview", clean, key, down.baseUrl)).toEqual({
        status: 200,
        body: { score: 0, action: "no_action", symbols: [], skipped: true }
      })
    } finally {
      await bare.close()
      await down.close()
    }
  })
})
