import { request as httpRequest } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"

/** The transport rules every route obeys, probed over a real socket. */
describe("HTTP transport contract", () => {
  let server: TestServer
  let drop: () => Promise<void>
  let key: string
  const auth = () => ({ Authorization: `Bearer ${key}`, "Content-Type": "application/json" })

  beforeAll(async () => {
    const db = await createTestDatabase()
    drop = db.drop
    server = await startTestServer({ databaseUrl: db.url, maxBodyBytes: 64 * 1024 })
    key = (await server.bootstrap()) ?? ""
  })
  afterAll(async () => {
    await server.close()
    await drop()
  })

  const expectError = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status)
    expect(res.headers.get("content-type")).toMatch(/^application\/json/)
    expect(res.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9._:-]+$/)
    expect(res.headers.get("x-content-type-options")).toBe("nosniff")
    const body = (await res.json()) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(["code", "error"])
    expect(body.code).toBe(code)
    expect(typeof body.error).toBe("string")
    expect(String(body.error)).not.toMatch(/at .*\.ts:\d+|_tag|stack/i)
    return body
  }

  it("answers health probes without a key, with a request id", async () => {
    const live = await fetch(`${server.baseUrl}/healthz`)
    expect(live.status).toBe(200)
    expect(await live.json()).toEqual({ status: "ok" })
    expect(live.headers.get("x-request-id")).toMatch(/^req_/)
    const ready = await fetch(`${server.baseUrl}/readyz`)
    expect(await ready.json()).toEqual({ status: "ready", database: true, migrations: true })
  })

  it("echoes a well-formed X-Request-Id and replaces a bad one", async () => {
    const echoed = await fetch(`${server.baseUrl}/healthz`, { headers: { "X-Request-Id": "abc-123" } })
    expect(echoed.headers.get("x-request-id")).toBe("abc-123")
    const replaced = await fetch(`${server.baseUrl}/healthz`, {
      headers: { "X-Request-Id": "has spaces and <html>" }
    })
    expect(replaced.headers.get("x-request-id")).toMatch(/^req_/)
  })

  it("has no /v1 prefix, and unknown routes are JSON 404s even without a key", async () => {
    await expectError(await fetch(`${server.baseUrl}/v1/api-keys`, { headers: auth() }), 404, "not_found")
    await expectError(await fetch(`${server.baseUrl}/nope`), 404, "not_found")
    await expectError(await fetch(`${server.baseUrl}/api-keys/1/nope`, { headers: auth() }), 404, "not_found")
  })

  it("answers a known path with the wrong method by 405 and an Allow header", async () => {
    const res = await fetch(`${server.baseUrl}/api-keys/1`, { method: "PUT", headers: auth() })
    expect(res.headers.get("allow")).toBe("GET, PATCH, DELETE")
    await expectError(res, 405, "invalid_request")
  })

  it("accepts a JSON content type with no body on GET, DELETE and body-less POST", async () => {
    const created = (await (
      await fetch(`${server.baseUrl}/api-keys`, {
        method: "POST",
        headers: auth(),
        body: JSON.stringify({ name: "probe", permission: "sending_access" })
      })
    ).json()) as { id: number }
    const list = await fetch(`${server.baseUrl}/api-keys`, { headers: auth() })
    expect(list.status).toBe(200)
    const rotate = await fetch(`${server.baseUrl}/api-keys/${created.id}/rotate`, {
      method: "POST",
      headers: { ...auth(), "Content-Length": "0" }
    })
    expect(rotate.status).toBe(200)
    const rotated = (await rotate.json()) as { id: number }
    const del = await fetch(`${server.baseUrl}/api-keys/${rotated.id}`, { method: "DELETE", headers: auth() })
    expect(del.status).toBe(200)
    expect(await del.json()).toEqual({ success: true, deleted: true })
  })

  it("turns malformed JSON, wrong types, missing fields and empty bodies into 400 invalid_request", async () => {
    const post = (body: string) =>
      fetch(`${server.baseUrl}/api-keys`, { method: "POST", headers: auth(), body })
    const malformed = await expectError(await post('{"name":'), 400, "invalid_request")
    expect(malformed.error).toBe("Malformed JSON body")
    const wrongType = await expectError(
      await post('{"name":42,"permission":"full_access"}'),
      400,
      "invalid_request"
    )
    expect(wrongType.error).toMatch(/^name: /)
    const missing = await expectError(await post('{"name":"x"}'), 400, "invalid_request")
    expect(missing.error).toBe("permission: is missing")
    const badEnum = await expectError(await post('{"name":"x","permission":"root"}'), 400, "invalid_request")
    expect(badEnum.error).toContain('"full_access" or "sending_access"')
    const empty = await expectError(await post(""), 400, "invalid_request")
    expect(empty.error).toBe("Request body must be a JSON object")
    await expectError(await post("[1,2]"), 400, "invalid_request")
    await expectError(await post("null"), 400, "invalid_request")
    await expectError(
      await fetch(`${server.baseUrl}/api-keys/abc`, { headers: auth() }),
      400,
      "invalid_request"
    )
    await expectError(
      await fetch(`${server.baseUrl}/api-keys/99999999999`, { headers: auth() }),
      400,
      "invalid_request"
    )
  })

  it("names the kind of value it expected in words, never in the schema's own notation", async () => {
    const post = async (path: string, body: string, headers: Record<string, string> = auth()) =>
      String(
        (
          await expectError(
            await fetch(`${server.baseUrl}${path}`, { method: "POST", headers, body }),
            400,
            "invalid_request"
          )
        ).error
      )
    const notation = /readonly|Struct|<->|ReadonlyArray|Brand<|Redacted|Encoded side|maxLength\(|between\(/
    const answers = {
      batchOfArray: await post("/emails/batch", "[]"),
      batchOfObject: await post("/emails/batch", '{"emails":{}}'),
      signIn: await post("/auth/sign-in", "[]", { "Content-Type": "application/json" }),
      infinity: await post("/emails", "1e99999"),
      importOfObject: await post("/contacts/import", '{"contacts":{}}'),
      spamPreview: await post("/emails/spam-preview", "[]")
    }
    for (const [what, error] of Object.entries(answers)) expect(error, what).not.toMatch(notation)
    expect(answers.batchOfArray).toBe("Request body must be a JSON object")
    expect(answers.signIn).toBe("Request body must be a JSON object")
    expect(answers.infinity).toBe("Request body must be a JSON object")
    expect(answers.batchOfObject).toBe("emails: Expected an array, actual an object")
    expect(answers.importOfObject).toBe("contacts: Expected an array, actual an object")
    // Messages already written for people keep their detail.
    const badEnum = await post("/api-keys", '{"name":"x","permission":"root"}')
    expect(badEnum).toContain('"full_access" or "sending_access"')
  })

  it("refuses bodies over the limit with 413 before reading them, and bodies without a length with 411", async () => {
    const big = JSON.stringify({ name: "x".repeat(70 * 1024), permission: "sending_access" })
    const res = await fetch(`${server.baseUrl}/api-keys`, { method: "POST", headers: auth(), body: big })
    await expectError(res, 413, "invalid_request")
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${server.baseUrl}/api-keys`,
        { method: "POST", headers: { ...auth(), "Transfer-Encoding": "chunked" } },
        (r) => {
          let body = ""
          r.on("data", (c) => (body += c))
          r.on("end", () => resolve({ status: r.statusCode ?? 0, body }))
        }
      )
      req.on("error", reject)
      req.write('{"name":"x",')
      req.end('"permission":"sending_access"}')
    })
    expect(chunked.status).toBe(411)
    expect(JSON.parse(chunked.body)).toMatchObject({ code: "invalid_request" })
  })

  it("says a body sent without a JSON content type was not read as JSON, instead of naming a missing field", async () => {
    const body = JSON.stringify({ name: "x", permission: "sending_access" })
    for (const [type, said] of [
      ["text/plain;charset=UTF-8", "as text/plain"],
      ["application/x-www-form-urlencoded", "as application/x-www-form-urlencoded"]
    ] as const) {
      const res = await fetch(`${server.baseUrl}/api-keys`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": type },
        body
      })
      const error = await expectError(res, 400, "invalid_request")
      expect(error.error).toBe(
        `The body was not read as JSON: send it with the header Content-Type: application/json (it came ${said})`
      )
    }
    // The same body labelled as JSON is accepted, and so is one with no Content-Type (read as JSON).
    const untyped = await fetch(`${server.baseUrl}/api-keys`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}` },
      body: new Blob([body])
    })
    expect(untyped.status).toBe(201)
    const ok = await fetch(`${server.baseUrl}/api-keys`, { method: "POST", headers: auth(), body })
    expect(ok.status).toBe(201)
  })

  it("answers a multipart body, which no route takes, with 400 instead of never answering", async () => {
    // The body used to be read once for screening, leaving the route's multipart parser waiting
    // on a drained stream: the request hung until the client gave up.
    const form = new FormData()
    form.set("name", "x")
    form.set("permission", "sending_access")
    for (const path of ["/api-keys", "/email-validations", "/notification-channels", "/emails"]) {
      const res = await fetch(`${server.baseUrl}${path}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}` },
        body: form,
        signal: AbortSignal.timeout(10_000)
      })
      const error = await expectError(res, 400, "invalid_request")
      expect(error.error).toBe(
        "The body was not read as JSON: send it with the header Content-Type: application/json (it came as multipart/form-data)"
      )
    }
  })

  it("answers a body of a content type no route reads with 400 instead of never answering, on keyed and public routes", async () => {
    // Such a body used to leave the request waiting for ever (past Node's own request timeout).
    const body = JSON.stringify({ email: "someone@example.com", password: "long enough password" })
    for (const type of [
      "foo/bar",
      "application/xml",
      "application/octet-stream",
      "*/*",
      "application/vnd.api+json"
    ]) {
      for (const [path, headers] of [
        ["/api-keys", { Authorization: `Bearer ${key}` }],
        ["/auth/sign-in", {}]
      ] as const) {
        const res = await fetch(`${server.baseUrl}${path}`, {
          method: "POST",
          headers: { ...headers, "Content-Type": type },
          body,
          signal: AbortSignal.timeout(10_000)
        })
        const error = await expectError(res, 400, "invalid_request")
        expect(error.error).toBe(
          `The body was not read as JSON: send it with the header Content-Type: application/json (it came as ${type})`
        )
      }
    }
  })

  it("answers a GET whose path parameter the router cannot take with 404, not 405 on a GET route", async () => {
    // A parameter over the router's length limit, or escapes that decode to no character, used
    // to be reported as a wrong method on a route that takes GET.
    for (const path of [
      `/api-keys/${"x".repeat(500)}`,
      "/api-keys/%ED%A0%80",
      `/emails/${"x".repeat(500)}/events`
    ]) {
      const res = await fetch(`${server.baseUrl}${path}`, { headers: auth() })
      await expectError(res, 404, "not_found")
    }
  })

  it("serves its OpenAPI document and a docs page", async () => {
    const spec = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as {
      openapi: string
      paths: Record<string, unknown>
    }
    expect(spec.openapi).toBe("3.1.0")
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(["/api-keys", "/api-keys/{id}", "/api-keys/{id}/rotate"])
    )
    const docs = await fetch(`${server.baseUrl}/docs`)
    expect(docs.status).toBe(200)
    expect(docs.headers.get("content-type")).toMatch(/text\/html/)
  })
})
