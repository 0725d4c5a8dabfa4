import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { type EmailValidationWire, sdk, failure } from "../support/sdkClient.js"
import { startTestServer, type TestServer } from "../support/server.js"

const verdict = (v: EmailValidationWire) => [v.result, v.risk, v.checks]

describe("email validations over HTTP", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let client: ReturnType<typeof sdk>

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    client = sdk((await server.bootstrap()) ?? "", { baseUrl: server.baseUrl })
    dns.publish("shop.test", "MX", "mx1.shop.test")
    dns.publish("gmail.com", "MX", "gmail-smtp-in.l.google.com")
    dns.publish("mailinator.com", "MX", "mail.mailinator.com")
    // No MX, but an address: RFC 5321's implicit MX.
    dns.publish("implicit.test", "A", "192.0.2.10")
    // Another record but no mail server and no address.
    dns.publish("nomail.test", "TXT", "v=spf1 -all")
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("answers the SDK's shape: result, nested checks and risk, plus the flat flags older SDKs read", async () => {
    const v = await client.emailValidations.validate("alice@shop.test")
    expect(v).toEqual({
      email: "alice@shop.test",
      result: "deliverable",
      checks: { syntax: true, mx: true, disposable: false, role: false, free: false },
      risk: "low",
      syntaxValid: true,
      mxValid: true,
      isDisposable: false,
      isRole: false,
      isFree: false,
      syntax_valid: true,
      mx_valid: true,
      is_disposable: false,
      is_role: false,
      is_free: false
    })
  })

  it("tells syntax, mail servers, disposable, role and free providers apart", async () => {
    const { results } = await client.emailValidations.validateBatch([
      "bob@gmail.com",
      "x7@mailinator.com",
      "Info@shop.test",
      "no-reply+news@shop.test",
      "carol@implicit.test",
      "dave@nomail.test",
      "erin@missing.test",
      "not an address",
      "two@@shop.test"
    ])
    expect(results.map((r) => r.email)).toEqual([
      "bob@gmail.com",
      "x7@mailinator.com",
      "Info@shop.test",
      "no-reply+news@shop.test",
      "carol@implicit.test",
      "dave@nomail.test",
      "erin@missing.test",
      "not an address",
      "two@@shop.test"
    ])
    const no = { syntax: true, mx: true, disposable: false, role: false, free: false }
    expect(results.map(verdict)).toEqual([
      ["deliverable", "low", { ...no, free: true }],
      ["risky", "high", { ...no, disposable: true }],
      ["risky", "medium", { ...no, role: true }],
      ["risky", "medium", { ...no, role: true }],
      ["deliverable", "low", no],
      ["undeliverable", "high", { ...no, mx: false }],
      ["undeliverable", "high", { ...no, mx: false }],
      ["undeliverable", "high", { ...no, syntax: false, mx: false }],
      ["undeliverable", "high", { ...no, syntax: false, mx: false }]
    ])
  })

  it("asks DNS once per domain in a batch", async () => {
    dns.publish("once.test", "MX", "mx.once.test")
    const before = dns.queries.filter((q) => q === "MX once.test").length
    const { results } = await client.emailValidations.validateBatch(
      Array.from({ length: 30 }, (_, i) => `user${i}@once.test`)
    )
    expect(results.every((r) => r.result === "deliverable")).toBe(true)
    expect(dns.queries.filter((q) => q === "MX once.test").length - before).toBe(1)
  })

  it("says unknown, never undeliverable, when DNS cannot be asked", async () => {
    dns.failing = true
    try {
      const v = await client.emailValidations.validate("alice@shop.test")
      expect(verdict(v)).toEqual([
        "unknown",
        "medium",
        { syntax: true, mx: false, disposable: false, role: false, free: false }
      ])
    } finally {
      dns.failing = false
    }
  })

  it("refuses bodies the contract rules out with a clear 400, and sending keys with 403", async () => {
    expect(await failure(client.emailValidations.validateBatch([]))).toMatchObject({
      status: 400,
      code: "invalid_request"
    })
    const tooMany = await failure(
      client.emailValidations.validateBatch(Array.from({ length: 101 }, (_, i) => `u${i}@shop.test`))
    )
    expect(tooMany).toMatchObject({ status: 400, code: "invalid_request" })
    expect(tooMany.message).toContain("at most 100")
    const sending = await client.apiKeys.create({ name: "s", permission: "sending_access" })
    const sender = sdk(sending.key ?? "", { baseUrl: server.baseUrl })
    expect(await failure(sender.emailValidations.validate("a@shop.test"))).toMatchObject({
      status: 403,
      code: "forbidden"
    })
    expect(await failure(client.emailValidations.validate(undefined as unknown as string))).toMatchObject({
      status: 400,
      code: "invalid_request"
    })
  })
})
