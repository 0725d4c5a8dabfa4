import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { startTestServer, type TestServer } from "../support/server.js"
import { expectRefusal, request } from "./harness.js"

// test/webhooks/ssrf.integration.test.ts covers the classic forms and connect-time checks; these
// are the spellings it does not list.
const FORMS = [
  "http://127.0.0.1./",
  "http://LOCALHOST./",
  "http://0/",
  "http://0x7f.1/",
  "http://%31%32%37.0.0.1/",
  "http://127.0.0.1%2e/",
  "http://[0:0:0:0:0:ffff:127.0.0.1]/",
  "http://[::ffff:7f00:1]/",
  "http://[::127.0.0.1]/",
  "http://[64:ff9b::7f00:1]/",
  "http://[64:ff9b::a9fe:a9fe]/",
  "http://[2002:7f00:1::]/",
  "http://[2002:a9fe:a9fe::]/",
  "http://198.18.0.1/",
  "http://240.0.0.1/",
  "http://255.255.255.255/",
  "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
  "http://169.254.169.254:80@example.com/",
  "http://example.com@169.254.169.254/"
]

describe("webhook targets: spellings of internal addresses beyond the SSRF suite's list", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let key: string

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    key = (await server.bootstrap()) ?? ""
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("refuses each with 422 and registers nothing", async () => {
    const wrong: Array<string> = []
    for (const url of FORMS) {
      const res = await request(server.baseUrl, key, "POST", "/webhooks", { url, events: ["*"] })
      if (res.status !== 422 || res.body.code !== "unprocessable_entity") wrong.push(`${url}: ${res.status}`)
      else expectRefusal(res, 422, "unprocessable_entity")
    }
    expect(wrong).toEqual([])
    expect(await query(db.url, "SELECT id, url FROM webhooks")).toEqual([])
  })
})
