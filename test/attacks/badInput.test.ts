import { request as httpRequest } from "node:http"
import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { expectRefusal, type Res, request, snapshotCounts, startTwoTeams, type TwoTeams } from "./harness.js"

const send = { from: "A <news@a.test>", to: ["x@example.com"], subject: "s", text: "t" }

/** One request with exactly these headers (no Content-Type unless given), over node:http. */
const raw = (
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string
): Promise<Res> =>
  new Promise((resolve, reject) => {
    const url = new URL(path, baseUrl)
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...headers, "Content-Length": Buffer.byteLength(body ?? "") }
      },
      (res) => {
        let text = ""
        res.setEncoding("utf8")
        res.on("data", (chunk: string) => {
          text += chunk
        })
        res.on("end", () => {
          let parsed: Record<string, unknown> = {}
          try {
            parsed = JSON.parse(text) as Record<string, unknown>
          } catch {}
          resolve({ status: res.statusCode ?? 0, headers: new Headers(), text, body: parsed })
        })
      }
    )
    req.on("error", reject)
    req.end(body)
  })

/** Bytes written straight to the socket, and everything the server answers until it closes. */
const rawSocket = (baseUrl: string, bytes: string) =>
  new Promise<string>((resolve, reject) => {
    const url = new URL(baseUrl)
    const socket = connect({ host: url.hostname, port: Number(url.port) })
    let received = ""
    socket.on("data", (d: Buffer) => {
      received += d.toString("utf8")
    })
    socket.on("close", () => resolve(received))
    socket.on("error", (e: NodeJS.ErrnoException) =>
      e.code === "ECONNRESET" ? resolve(received) : reject(e)
    )
    socket.write(bytes)
  })

/** The `{error, code}` body of a raw HTTP answer, with its status. */
const parseAnswer = (answer: string) => {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)
  const body = answer.slice(answer.indexOf("\r\n\r\n") + 4)
  let parsed: Record<string, unknown> = {}
  try {
    parsed = JSON.parse(body) as Record<string, unknown>
  } catch {}
  return { status, headers: new Headers(), text: body, body: parsed }
}

describe("bad input is a 4xx with {error, code}, never a 5xx", () => {
  let teams: TwoTeams
  const base = () => teams.server.baseUrl
  beforeAll(async () => {
    teams = await startTwoTeams({ webhooks: { allowLoopback: true, timeoutMs: 1_000 } })
  })
  afterAll(async () => {
    await teams.close()
  })

  it("JSON nested thousands of levels deep is refused with 400 before decoding", async () => {
    const before = await snapshotCounts(teams.db.url)
    const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`
    const bodies = [
      `{"from":"A <news@a.test>","to":["x@example.com"],"subject":"s","text":"t","variables":{"v":${deep(7000)}}}`,
      deep(7000),
      `{"from":"A <news@a.test>","to":${deep(7000)},"subject":"s","text":"t"}`,
      `{"emails":[${deep(100)}]}`
    ]
    for (const body of bodies) {
      for (const path of ["/emails", "/emails/batch"]) {
        const res = await request(base(), teams.keyA, "POST", path, body)
        expectRefusal(res, 400, "invalid_request")
        expect(res.body.error).toMatch(/deeper than 32 levels/)
      }
    }
    // Brackets inside strings are text, however many.
    const text = await request(base(), teams.keyA, "POST", "/emails", { ...send, text: "[".repeat(10_000) })
    expect(text.status).toBe(202)
    const after = await snapshotCounts(teams.db.url)
    expect(after.emails).toBe((before.emails ?? 0) + 1)
  })

  it("an object with its own toString key is refused with 400 naming the field, never a 500", async () => {
    // JSON can give an object a `toString` that is not a function; String() of it throws, and
    // the decoding of a union keyed by `type` calls String() on that field.
    const cases: Array<[string, string, string, RegExp]> = [
      ["POST", "/notification-channels", `{"type":{"toString":1},"name":"n"}`, /^type: /],
      ["POST", "/notification-channels", `{"type":{"to\\u0053tring":"slack"},"name":"n"}`, /^type: /],
      ["POST", "/emails", JSON.stringify({ ...send, headers: { toString: "x" } }), /^headers: /]
    ]
    for (const [method, path, body, message] of cases) {
      const res = await request(base(), teams.keyA, method, path, body)
      expect({ path, body: res.body }).toEqual({
        path,
        body: { error: expect.stringMatching(message), code: "invalid_request" }
      })
      expectRefusal(res, 400, "invalid_request")
    }
    // The word as text is only text.
    const text = await request(base(), teams.keyA, "POST", "/emails", { ...send, subject: "toString" })
    expect(text.status).toBe(202)
  })

  it("a lone UTF-16 surrogate anywhere is refused with 400 naming the field, and nothing is stored", async () => {
    const before = await snapshotCounts(teams.db.url)
    const cases: Array<[string, string, unknown, RegExp]> = [
      ["POST", "/emails", { ...send, subject: "s\ud800" }, /^subject: .*surrogate/],
      ["POST", "/emails", { ...send, from: "A\udfff <news@a.test>" }, /^from: .*surrogate/],
      ["POST", "/emails", { ...send, tags: ["ok", "t\ud83d"] }, /^tags\.1: .*surrogate/],
      ["POST", "/emails", { ...send, headers: { "X-Note": "\udc00" } }, /^headers\.X-Note: .*surrogate/],
      ["POST", "/emails", { ...send, text: "a\ud800b" }, /^text: .*surrogate/],
      ["POST", "/emails", { ...send, idempotency_key: "k\ud800" }, /^idempotency_key: .*surrogate/],
      ["POST", "/emails/batch", { emails: [send, { ...send, subject: "\ud800" }] }, /^emails\.1\.subject: /],
      ["POST", "/inbound/1/reply", { from: "a@a.test", text: "\udbff" }, /^text: .*surrogate/],
      ["POST", "/api-keys", { name: "k\ud800", permission: "sending_access" }, /^name: /],
      ["POST", "/domains", { name: "\ud800.test" }, /^name: /],
      ["POST", "/suppressions", { email: "a\ud800@x.test", reason: "manual" }, /^email: /],
      [
        "POST",
        "/webhooks",
        { url: "http://127.0.0.1:9/x", events: ["*"], description: "\ud800" },
        /^description: /
      ]
    ]
    for (const [method, path, body, message] of cases) {
      const res = await request(base(), teams.keyA, method, path, body)
      expect({ path, body: res.body }).toEqual({
        path,
        body: { error: expect.stringMatching(message), code: "invalid_request" }
      })
      expectRefusal(res, 400, "invalid_request")
    }
    // A surrogate pair, escaped as JSON does it, is one character: accepted.
    const pair = await request(
      base(),
      teams.keyA,
      "POST",
      "/emails",
      `{"from":"A <news@a.test>","to":["x@example.com"],"subject":"hi \\ud83d\\ude00","text":"t"}`
    )
    expect(pair.status).toBe(202)
    // So is an escaped backslash before text that only looks like an escape.
    const literal = await request(base(), teams.keyA, "POST", "/emails", { ...send, subject: "C:\\ud800" })
    expect(literal.status).toBe(202)
    const after = await snapshotCounts(teams.db.url)
    expect(after.emails).toBe((before.emails ?? 0) + 2)
  })

  it("URLs whose escapes decode to no character, and dates outside any calendar, are 4xx", async () => {
    const scheduled = await request(base(), teams.keyA, "POST", "/emails", {
      ...send,
      scheduled_at: new Date(Date.now() + 3_600_000).toISOString()
    })
    expect(scheduled.status).toBe(202)
    const later = `/emails/${String(scheduled.body.id)}`
    const paths: Array<[string, string, unknown]> = [
      ["PATCH", later, { scheduled_at: "-271821-04-20T00:00:00Z" }],
      ["PATCH", later, { scheduled_at: "0000-01-01T00:00:00Z" }],
      ["GET", "/suppressions/%ED%A0%80", undefined],
      ["DELETE", "/suppressions/a%ED%A0%80%40x.test", undefined],
      ["GET", "/emails/%ED%A0%80", undefined],
      ["GET", "/domains/%C0%80", undefined],
      ["GET", "/emails?subject=%ED%A0%80&to=%C0%80", undefined],
      ["GET", "/inbound?domain=%ED%A0%80", undefined],
      ["GET", "/emails/%E0%A4%A", undefined],
      ["PATCH", "/emails/em_00000000000000000000000000000000", { scheduled_at: "-271821-04-20T00:00:00Z" }],
      ["PATCH", "/emails/em_00000000000000000000000000000000", { scheduled_at: "+275760-09-13T00:00:00Z" }],
      ["POST", "/emails", { ...send, scheduled_at: "-271821-04-20T00:00:00Z" }],
      ["POST", "/emails", { ...send, scheduled_at: "+200000-01-01T00:00:00Z" }]
    ]
    for (const [method, path, body] of paths) {
      const res = await request(base(), teams.keyA, method, path, body)
      expect({ path, body, status: res.status < 500 }).toEqual({ path, body, status: true })
      expect(Object.keys(res.body).sort()).toEqual(
        res.status < 300 ? Object.keys(res.body).sort() : ["code", "error"]
      )
    }
  })

  it("dates in a query outside 1970 to 9999 are 400 naming the parameter, not the database's failure", async () => {
    // PostgreSQL ends at 4713 BC: such a date used to reach it and come back as 503.
    for (const path of [
      "/emails?date_from=-005000-01-01T00:00:00Z",
      "/emails?date_to=-271821-04-20T00:00:00.000Z",
      "/emails?date_from=%2B200000-01-01T00:00:00Z",
      "/broadcasts/performance?since=-005000-01-01T00:00:00Z"
    ]) {
      const res = await request(base(), teams.keyA, "GET", path)
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 400,
        code: "invalid_request"
      })
      expect(String(res.body.error)).toContain("from 1970 to 9999")
    }
    const inRange = await request(
      base(),
      teams.keyA,
      "GET",
      "/emails?date_from=1999-01-01&date_to=9999-12-31"
    )
    expect(inRange.status).toBe(200)
  })

  it("NUL is refused whatever the content type says, or when there is none", async () => {
    const before = await snapshotCounts(teams.db.url)
    const auth = { Authorization: `Bearer ${teams.keyA}` }
    const json = JSON.stringify({ ...send, idempotency_key: "k\u0000" })
    for (const headers of [
      { ...auth, "Content-Type": "APPLICATION/JSON" },
      auth,
      { ...auth, "Content-Type": "Application/Json; charset=UTF-8" }
    ]) {
      const res = await raw(base(), "POST", "/emails", headers, json)
      expectRefusal(res, 400, "invalid_request")
      expect(res.body.error).toMatch(/^idempotency_key: .*NUL/)
    }
    // A form body reaches the same fields: it is read the same way.
    const form = new URLSearchParams({
      from: "news@a.test",
      to: "x@example.com",
      subject: "s",
      text: "t",
      idempotency_key: "k\u0000"
    })
    const formRes = await raw(
      base(),
      "POST",
      "/emails",
      { ...auth, "Content-Type": "application/x-www-form-urlencoded" },
      form.toString()
    )
    expectRefusal(formRes, 400, "invalid_request")
    expect(await snapshotCounts(teams.db.url)).toEqual(before)
  })

  it("numeric query and path parameters are bounded and plain decimal", async () => {
    const paths = [
      "/emails?domain_id=2147483648",
      "/emails?domain=99999999999",
      "/emails?page=1e300",
      "/emails?page=2147483648",
      "/emails?per_page=1e1",
      "/suppressions?page=0x10",
      "/inbound?page=9007199254740993",
      `/domains/${teams.domainA.id}/dmarc/reports?perPage=+5`,
      `/domains/${teams.domainA.id}/dmarc/stats?days=1.0`,
      "/domains/2147483648",
      "/webhooks/1/deliveries?per_page=101"
    ]
    for (const path of paths) {
      const res = await request(base(), teams.keyA, "GET", path)
      expect({ path, status: res.status }).toEqual({ path, status: 400 })
      expectRefusal(res, 400, "invalid_request")
    }
    // The same key with a numeric domain_id past any id, in a body.
    const key = await request(base(), teams.keyA, "POST", "/api-keys", {
      name: "scoped",
      permission: "sending_access",
      domain_id: 2147483648
    })
    expect(key.status).toBeLessThan(500)
    expect(key.status).toBeGreaterThanOrEqual(400)
    // The last page there can be is an empty page, on every list.
    for (const path of [
      "/emails?page=2147483647&per_page=100",
      "/suppressions?page=2147483647&per_page=100",
      "/inbound?page=2147483647&per_page=100",
      `/domains/${teams.domainA.id}/dmarc/reports?page=2147483647&perPage=100`,
      `/webhooks/${String((await request(base(), teams.keyA, "POST", "/webhooks", { url: "http://127.0.0.1:9/p", events: ["*"] })).body.id)}/deliveries?page=2147483647&per_page=100`
    ]) {
      const res = await request(base(), teams.keyA, "GET", path)
      expect({ path, status: res.status }).toEqual({ path, status: 200 })
    }
    // In range is fine.
    const ok = await request(
      base(),
      teams.keyA,
      "GET",
      `/emails?domain_id=${teams.domainA.id}&page=2&per_page=100`
    )
    expect(ok.status).toBe(200)
  })

  it("a search text the database cannot compare (NUL, a lone surrogate) is answered, never a 500", async () => {
    for (const path of [
      "/suppressions?search=a%00b",
      "/suppressions?search=%ED%A0%80",
      "/suppressions?search=%25_%5C",
      "/contacts?search=a%00b"
    ]) {
      const res = await request(base(), teams.keyA, "GET", path)
      expect({ path, status: res.status < 500 }).toEqual({ path, status: true })
    }
  })

  it("an Idempotency-Key header longer than a body key may be is refused, not left to the index", async () => {
    const random = Array.from({ length: 300 }, () => Math.random().toString(36).slice(2, 12)).join("")
    const res = await fetch(`${base()}/emails`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${teams.keyA}`,
        "Content-Type": "application/json",
        "Idempotency-Key": random
      },
      body: JSON.stringify(send)
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: expect.stringMatching(/idempotency-key/),
      code: "invalid_request"
    })
  })

  it("ids that are not plain decimals name no resource: 400, never the resource with id 1", async () => {
    const [first] = await query<{ id: number }>(teams.db.url, "SELECT min(id) AS id FROM api_keys")
    expect(first?.id).toBe(1)
    const hook = await request(base(), teams.keyA, "POST", "/webhooks", {
      url: "http://127.0.0.1:9/h",
      events: ["*"]
    })
    expect(hook.status).toBe(201)
    const spellings = ["0x1", "%201", "1%20", "+1", "1e0", "1.0", "01", "%091", "1.", "0b1"]
    for (const id of spellings) {
      for (const path of [
        `/api-keys/${id}`,
        `/webhooks/${id}`,
        `/inbound/${id}`,
        `/inbound/1/attachments/${id}`
      ]) {
        const res = await request(base(), teams.keyA, "GET", path)
        expect({ path, status: res.status }).toEqual({ path, status: 400 })
        expectRefusal(res, 400, "invalid_request")
      }
    }
    expect((await request(base(), teams.keyA, "GET", "/api-keys/1")).status).toBe(200)
  })

  it("workflow run ids, notification delivery ids and their pages are plain bounded decimals too", async () => {
    const workflow = await request(base(), teams.keyA, "POST", "/workflows", {
      name: "w",
      trigger_type: "manual"
    })
    expect(workflow.status).toBe(201)
    const wf = String((workflow.body.workflow as { publicId: string }).publicId)
    const channel = await request(base(), teams.keyA, "POST", "/notification-channels", {
      type: "slack",
      name: "n",
      events: ["email.bounced"],
      config: { webhookUrl: "https://hooks.slack.com/services/a" }
    })
    expect(channel.status).toBe(201)
    const nc = String((channel.body.channel as { publicId: string }).publicId)
    const cases: Array<[string, string]> = []
    for (const id of ["0x1", "%201", "1e0", "+1", "-1", "0", "9223372036854775808"]) {
      cases.push(["GET", `/workflows/${wf}/runs/${id}`])
      cases.push(["POST", `/notification-channels/${nc}/deliveries/${id}/replay`])
      cases.push(["GET", `/notification-channels/${nc}/deliveries?page=${id}`])
      cases.push(["GET", `/notification-channels/${nc}/deliveries?per_page=${id}`])
      cases.push(["GET", `/billing/usage?days=${id}`])
    }
    for (const [method, path] of cases) {
      const res = await request(base(), teams.keyA, method, path)
      expect({ path, status: res.status }).toEqual({ path, status: 400 })
      expectRefusal(res, 400, "invalid_request")
    }
    const page = await request(
      base(),
      teams.keyA,
      "GET",
      `/notification-channels/${nc}/deliveries?page=1&per_page=100`
    )
    expect(page.status).toBe(200)
    expect((await request(base(), teams.keyA, "GET", `/workflows/${wf}/runs/1`)).status).toBe(404)
  })

  it("request lines and headers over Node's limit answer 431 with {error, code}", async () => {
    const longLine = await rawSocket(
      base(),
      `GET /emails?to=${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`
    )
    const lineAnswer = parseAnswer(longLine)
    expectRefusal(lineAnswer, 431, "invalid_request")
    const longHeader = await rawSocket(
      base(),
      `GET /emails HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${teams.keyA}\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`
    )
    expectRefusal(parseAnswer(longHeader), 431, "invalid_request")
    const manyHeaders = await rawSocket(
      base(),
      `GET /emails HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join("\r\n")}\r\n\r\n`
    )
    expectRefusal(parseAnswer(manyHeaders), 431, "invalid_request")
    const garbage = await rawSocket(base(), "NOT HTTP AT ALL\r\n\r\n")
    expectRefusal(parseAnswer(garbage), 400, "invalid_request")
    // The server is still there for the next client.
    expect((await request(base(), teams.keyA, "GET", "/emails")).status).toBe(200)
  })

  it("an empty body on POST /inbound/:id/draft-reply is a request like {}", async () => {
    // No received mail has id 1 here: the route gets as far as looking for it.
    const empty = await raw(base(), "POST", "/inbound/1/draft-reply", {
      Authorization: `Bearer ${teams.keyA}`,
      "Content-Type": "application/json"
    })
    expectRefusal(empty, 404, "not_found")
  })
})
