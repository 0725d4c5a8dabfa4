import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { startTestServer, type TestServer } from "../support/server.js"

/**
 * Names the server's own system resolves without DNS (`localhost.localdomain`, the names in its
 * hosts file) are judged by the addresses the system would use, as `localhost` is: a webhook
 * cannot reach the machine or its private neighbours through them.
 */
describe("webhooks: loopback aliases and hosts-file names are refused like localhost", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let key: string

  const register = async (url: string) => {
    const res = await fetch(`${server.baseUrl}/webhooks`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ url, events: ["*"] })
    })
    return { status: res.status, body: (await res.json()) as { error?: string; code?: string } }
  }

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "poststack-hosts-"))
    const hostsFile = path.join(dir, "hosts")
    writeFileSync(
      hostsFile,
      [
        "# a container's hosts file",
        "127.0.0.1\tlocalhost",
        "127.0.1.1 buildbox buildbox.example.internal   # the machine itself",
        "::1 ip6-localhost ip6-loopback",
        "10.20.30.40 billing.corp",
        "172.17.0.3 redis-sidecar",
        ""
      ].join("\n")
    )
    db = await createTestDatabase()
    dns = await startDnsServer()
    // DNS would give a public address: the hosts file is what the server's system uses.
    dns.publish("billing.corp", "A", "93.184.216.34")
    server = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      webhooks: { allowLoopback: false, timeoutMs: 1_000, hostsFile }
    })
    key = (await server.bootstrap()) ?? ""
  })
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  it("refuses each at registration with 422, naming the kind of address", async () => {
    const cases: ReadonlyArray<[string, RegExp]> = [
      ["http://localhost.localdomain/", /loopback/],
      ["http://LOCALHOST.LOCALDOMAIN./hook", /loopback/],
      ["http://localhost6.localdomain6/", /loopback/],
      ["http://buildbox:8080/", /loopback/],
      ["http://BuildBox.Example.Internal./", /loopback/],
      ["http://ip6-loopback/", /loopback/],
      ["http://billing.corp/", /private/],
      ["http://redis-sidecar:6379/", /private/]
    ]
    for (const [url, kind] of cases) {
      const res = await register(url)
      expect({ url, status: res.status, code: res.body.code }).toEqual({
        url,
        status: 422,
        code: "unprocessable_entity"
      })
      expect(res.body.error, url).toMatch(kind)
    }
    expect(await query(db.url, "SELECT id FROM webhooks")).toEqual([])
  })

  it("still registers a name the hosts file does not pin, judged by DNS", async () => {
    dns.publish("hooks.example.test", "A", "93.184.216.34")
    expect((await register("https://hooks.example.test/in")).status).toBe(201)
  })
})
