import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"

describe("request logs", () => {
  const lines: Array<string> = []
  let server: TestServer
  let drop: () => Promise<void>
  let key: string
  beforeAll(async () => {
    const db = await createTestDatabase()
    drop = db.drop
    server = await startTestServer({ databaseUrl: db.url, logSink: (line) => lines.push(line) })
    key = (await server.bootstrap()) ?? ""
  })
  afterAll(async () => {
    await server.close()
    await drop()
  })

  const requestLines = () =>
    lines
      .map((l) => JSON.parse(l) as { message: unknown; annotations: Record<string, unknown> })
      .filter((l) => l.message === "http request")

  it("writes one JSON line per request with its id, method, path, status and duration", async () => {
    const res = await fetch(`${server.baseUrl}/api-keys?email=someone%40example.com`, {
      headers: { Authorization: `Bearer ${key}`, "X-Request-Id": "log-probe-1" }
    })
    expect(res.status).toBe(200)
    await fetch(`${server.baseUrl}/nowhere`, { headers: { "X-Request-Id": "log-probe-2" } })
    const probe = requestLines().find((l) => l.annotations.requestId === "log-probe-1")
    expect(probe?.annotations).toMatchObject({ method: "GET", path: "/api-keys", status: 200 })
    expect(typeof probe?.annotations.durationMs).toBe("number")
    expect(requestLines().filter((l) => l.annotations.requestId === "log-probe-1")).toHaveLength(1)
    expect(requestLines().find((l) => l.annotations.requestId === "log-probe-2")?.annotations).toMatchObject({
      status: 404
    })
  })

  it("never writes a key, a new secret, a body or a query string", async () => {
    const created = await fetch(`${server.baseUrl}/api-keys`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "body-marker-7f3a", permission: "sending_access" })
    })
    const secret = ((await created.json()) as { key: string }).key
    await fetch(`${server.baseUrl}/api-keys`, { headers: { Authorization: `Bearer ${secret}` } })
    await fetch(`${server.baseUrl}/api-keys`, {
      headers: { Authorization: "Bearer sk_live_wrongwrongwrongwrongwrong" }
    })
    const all = lines.join("\n")
    expect(all).not.toContain(key)
    expect(all).not.toContain(secret)
    expect(all).not.toContain("sk_live_wrongwrongwrongwrongwrong")
    expect(all).not.toContain("body-marker-7f3a")
    expect(all).not.toContain("someone")
    expect(requestLines().length).toBeGreaterThanOrEqual(5)
  })

  it("masks the signature of tracking and unsubscribe links, which would let a log reader act for the recipient", async () => {
    const signature = "Zk3qSIGNATUREmarker9x"
    const paths = [
      `/t/o/em_0123456789abcdef0123456789abcdef/41/${signature}`,
      `/t/c/em_0123456789abcdef0123456789abcdef/41/${signature}?u=https%3A%2F%2Fexample.com`,
      `/u/em_0123456789abcdef0123456789abcdef/41/${signature}`,
      `/u/em_0123456789abcdef0123456789abcdef/41/${signature}/extra`
    ]
    for (const path of paths) await fetch(`${server.baseUrl}${path}`, { redirect: "manual" })
    await fetch(`${server.baseUrl}${paths[2]}`, { method: "POST", body: "List-Unsubscribe=One-Click" })
    expect(lines.join("\n")).not.toContain("SIGNATUREmarker")
    const logged = requestLines()
      .map((l) => String(l.annotations.path))
      .filter((p) => p.startsWith("/t/") || p.startsWith("/u/"))
    expect(logged).toEqual([
      "/t/o/em_0123456789abcdef0123456789abcdef/41/:signature",
      "/t/c/em_0123456789abcdef0123456789abcdef/41/:signature",
      "/u/em_0123456789abcdef0123456789abcdef/41/:signature",
      "/u/em_0123456789abcdef0123456789abcdef/41/:signature/:signature",
      "/u/em_0123456789abcdef0123456789abcdef/41/:signature"
    ])
  })
})
