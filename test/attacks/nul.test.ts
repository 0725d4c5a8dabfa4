import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { expectRefusal, request, startTwoTeams, type TwoTeams } from "./harness.js"

const send = { from: "A <news@a.test>", to: ["x@example.com"], subject: "s", text: "t" }

// PostgreSQL text cannot hold NUL: each of these used to fail at the database and answer
// 503 "The database is unavailable", an outage anyone could fake with one request.
const CASES: Array<[string, string, unknown]> = [
  ["POST", "/api-keys", { name: "a\u0000b", permission: "sending_access" }],
  ["POST", "/domains", { name: "a\u0000b.test" }],
  ["POST", "/webhooks", { url: "http://127.0.0.1:9/x", events: ["*"], description: "a\u0000b" }],
  ["POST", "/webhooks", { url: "http://127.0.0.1:9/x\u0000", events: ["*"] }],
  ["POST", "/emails", { ...send, idempotency_key: "k\u0000" }],
  ["POST", "/emails", { ...send, subject: "s\u0000" }],
  ["POST", "/emails", { ...send, text: "t\u0000" }],
  ["POST", "/emails", { ...send, tags: ["t\u0000"] }],
  ["POST", "/emails/batch", { emails: [{ ...send, subject: "s\u0000" }] }],
  ["GET", "/emails?to=%00", undefined],
  ["GET", "/emails?subject=a%00b", undefined],
  ["GET", "/domains/dom_%00", undefined],
  ["GET", "/api-keys?name=%00", undefined]
]

describe("NUL characters anywhere in a request", () => {
  let teams: TwoTeams
  beforeAll(async () => {
    teams = await startTwoTeams({ webhooks: { allowLoopback: true, timeoutMs: 1_000 } })
  })
  afterAll(async () => {
    await teams.close()
  })

  it("are refused with 400 invalid_request before reaching storage, and nothing is stored", async () => {
    const count = async () =>
      (
        await query<{ n: string }>(
          teams.db.url,
          "SELECT (SELECT count(*) FROM api_keys) + (SELECT count(*) FROM domains) + (SELECT count(*) FROM webhooks) + (SELECT count(*) FROM emails) AS n"
        )
      )[0]?.n
    const before = await count()
    for (const [method, path, body] of CASES) {
      const res = await request(teams.server.baseUrl, teams.keyA, method, path, body)
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 400 })
      expectRefusal(res, 400, "invalid_request")
    }
    expect(await count()).toBe(before)
    // The caller is authenticated first: an anonymous body is never read, NUL or not.
    const anonymous = await request(teams.server.baseUrl, "sk_live_nobody", "POST", "/emails", {
      ...send,
      subject: "s\u0000"
    })
    expectRefusal(anonymous, 401, "unauthorized")
    // An escaped backslash before "u0000" is text, not NUL: accepted as such.
    const literal = await request(teams.server.baseUrl, teams.keyA, "POST", "/emails", {
      ...send,
      subject: "path C:\\u0000"
    })
    expect(literal.status).toBe(202)
  })
})
