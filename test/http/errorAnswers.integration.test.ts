import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { startTestServer, type TestServer } from "../support/server.js"

interface Res {
  status: number
  body: Record<string, unknown>
}

/** A failure of a send answers the same on `POST /emails` and as an element of `POST /emails/batch`. */
describe("send failures: single and batch answers agree", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let fullKey: string
  let scopedKey: string

  const call = async (method: string, path: string, body: unknown, key = fullKey): Promise<Res> => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify(body)
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const mail = (extra: Record<string, unknown> = {}) => ({
    from: "Acme <hello@answers.test>",
    to: ["someone@example.com"],
    subject: "Welcome",
    html: "<p>Hi there</p>",
    ...extra
  })

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    fullKey = (await server.bootstrap()) ?? ""
    const created = await call("POST", "/domains", { name: "answers.test" })
    const domain = created.body.domain as {
      id: number
      dnsRecords: Array<{ type: string; name: string; value: string }>
    }
    for (const r of domain.dnsRecords) dns.publish(r.name, r.type as "TXT" | "MX" | "CNAME", r.value)
    expect(
      ((await call("POST", `/domains/${domain.id}/verify`, {})).body.domain as { status: string }).status
    ).toBe("verified")
    const scoped = await call("POST", "/api-keys", {
      name: "scoped",
      permission: "sending_access",
      domain_id: domain.id
    })
    scopedKey = String(scoped.body.key)
    expect((await call("POST", "/emails", mail({ idempotency_key: "used-once" }))).status).toBe(202)
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  const cases: ReadonlyArray<{
    readonly fact: string
    readonly body: () => Record<string, unknown>
    readonly key?: () => string
    readonly status: number
    readonly code: string
    readonly error: RegExp
  }> = [
    {
      fact: "invalid input (ValidationFailed)",
      body: () => mail({ to: ["bad"] }),
      status: 422,
      code: "unprocessable_entity",
      error: /to/
    },
    {
      fact: "TemplateNotFound (an unknown template)",
      body: () => mail({ template_id: "tpl_1" }),
      status: 422,
      code: "unprocessable_entity",
      error: /^Template not found: tpl_1$/
    },
    {
      fact: "DomainNotVerified",
      body: () => mail({ from: "x@not-mine.test" }),
      status: 422,
      code: "unprocessable_entity",
      error: /^Domain not verified: not-mine\.test\. /
    },
    {
      fact: "IdempotencyKeyReused",
      body: () => mail({ idempotency_key: "used-once", subject: "Another subject" }),
      status: 422,
      code: "unprocessable_entity",
      error: /^Idempotency key already used with a different payload$/
    },
    {
      fact: "PermissionDenied (a key scoped to another domain)",
      body: () => mail({ from: "x@elsewhere.test" }),
      key: () => scopedKey,
      status: 403,
      code: "forbidden",
      error: /only send from its own domain, not elsewhere\.test/
    }
  ]

  for (const c of cases) {
    it(`${c.fact}: ${c.status} ${c.code}, and the same { error, code } in a batch`, async () => {
      const key = c.key?.() ?? fullKey
      const single = await call("POST", "/emails", c.body(), key)
      expect(single.status).toBe(c.status)
      expect(single.body).toEqual({ error: expect.stringMatching(c.error), code: c.code })
      const batch = await call("POST", "/emails/batch", { emails: [c.body(), mail()] }, key)
      expect(batch.status).toBe(202)
      const [failed, sent] = batch.body.data as Array<Record<string, unknown>>
      expect(failed).toEqual(single.body)
      expect(sent).toEqual({ id: expect.stringMatching(/^em_/) })
    })
  }
})
