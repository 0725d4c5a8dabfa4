import { mkdtempSync, writeFileSync } from "node:fs"
import { request } from "node:https"
import { tmpdir } from "node:os"
import * as path from "node:path"
import tls from "node:tls"
import { HttpServerLive } from "@poststack/adapters-http"
import { ConfigProvider, Effect, Either, Redacted } from "effect"
import { generate } from "selfsigned"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, insertTeamWithKey } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"

/** A certificate for 127.0.0.1 made here, and a second key that does not match it. */
const makeCertificate = async () => {
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keySize: 2048,
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }]
  })
  const other = await generate([{ name: "commonName", value: "other" }], { keySize: 2048 })
  return { cert: pems.cert, key: pems.private, otherKey: other.private }
}

/** GET over TLS, trusting only the test's own certificate. */
const getOverTls = (url: string, ca: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; body: string; protocol: string | null }>((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      const protocol = (res.socket as tls.TLSSocket).getProtocol()
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
          protocol
        })
      )
    })
    req.on("error", reject)
    req.end()
  })

/** A TLS handshake limited to TLS 1.0 and 1.1 (the client allows them; the server must not). */
const handshakeTls11 = (port: number) =>
  new Promise<{ ok: boolean; protocol?: string | null; code?: string }>((resolve) => {
    const socket = tls.connect(
      {
        port,
        host: "127.0.0.1",
        rejectUnauthorized: false,
        minVersion: "TLSv1",
        maxVersion: "TLSv1.1",
        ciphers: "DEFAULT@SECLEVEL=0"
      },
      () => {
        resolve({ ok: true, protocol: socket.getProtocol() })
        socket.destroy()
      }
    )
    socket.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ ok: false, ...(error.code ? { code: error.code } : {}) })
    )
  })

describe("HTTPS served by the server itself", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let pems: Awaited<ReturnType<typeof makeCertificate>>

  beforeAll(async () => {
    pems = await makeCertificate()
    db = await createTestDatabase()
    server = await startTestServer({ databaseUrl: db.url, tls: { cert: pems.cert, key: pems.key } })
  })
  afterAll(async () => {
    await server?.close()
    await db?.drop()
  })

  it("answers the API over TLS 1.2 or newer, with a certificate the client verifies", async () => {
    expect(server.baseUrl).toMatch(/^https:\/\//)
    const health = await getOverTls(`${server.baseUrl}/healthz`, pems.cert)
    expect(health.status).toBe(200)
    expect(["TLSv1.2", "TLSv1.3"]).toContain(health.protocol)
    const key = await insertTeamWithKey(db.url, "Secure")
    const keys = await getOverTls(`${server.baseUrl}/api-keys`, pems.cert, { Authorization: `Bearer ${key}` })
    expect(keys.status).toBe(200)
    expect(JSON.parse(keys.body)).toMatchObject({ keys: [{ name: "Secure key" }] })
  })

  it("refuses TLS 1.1 in the handshake, which a server allowing it would accept from the same client", async () => {
    const port = Number(new URL(server.baseUrl).port)
    const refused = await handshakeTls11(port)
    expect(refused.ok).toBe(false)
    expect(refused.code).toBe("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION")
    // The control: the same client does get TLS 1.1 from a server that allows it.
    const lenient = tls.createServer(
      { cert: pems.cert, key: pems.key, minVersion: "TLSv1", ciphers: "DEFAULT@SECLEVEL=0" },
      (s) => s.end()
    )
    await new Promise<void>((r) => lenient.listen(0, "127.0.0.1", () => r()))
    try {
      const accepted = await handshakeTls11((lenient.address() as { port: number }).port)
      expect(accepted).toEqual({ ok: true, protocol: "TLSv1.1" })
    } finally {
      lenient.close()
    }
  })

  it("does not answer plain HTTP on the TLS port", async () => {
    const res = await fetch(`${server.baseUrl.replace("https://", "http://")}/healthz`).then(
      (r) => r.status,
      () => "refused"
    )
    expect(res).not.toBe(200)
  })
})

describe("POSTSTACK_TLS_CERT_FILE and POSTSTACK_TLS_KEY_FILE", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "poststack-tls-"))
  const read = (env: Record<string, string>) =>
    Effect.runPromise(
      Effect.either(HttpServerLive.TlsConfig).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      )
    )
  let files: {
    cert: string
    key: string
    otherKey: string
    pems: Awaited<ReturnType<typeof makeCertificate>>
  }

  beforeAll(async () => {
    const pems = await makeCertificate()
    files = {
      cert: path.join(dir, "cert.pem"),
      key: path.join(dir, "key.pem"),
      otherKey: path.join(dir, "other.pem"),
      pems
    }
    writeFileSync(files.cert, pems.cert)
    writeFileSync(files.key, pems.key)
    writeFileSync(files.otherKey, pems.otherKey)
  })

  it("reads both files; neither means plain HTTP", async () => {
    const both = await read({ POSTSTACK_TLS_CERT_FILE: files.cert, POSTSTACK_TLS_KEY_FILE: files.key })
    expect(Either.isRight(both) && both.right?.cert).toBe(files.pems.cert)
    expect(Either.isRight(both) && both.right && Redacted.value(both.right.key)).toBe(files.pems.key)
    expect(await read({})).toEqual(Either.right(undefined))
  })

  it("stops the start with the fix when one is missing, unreadable, or the key is not the certificate's", async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [
        { POSTSTACK_TLS_CERT_FILE: files.cert },
        /needs both POSTSTACK_TLS_CERT_FILE and POSTSTACK_TLS_KEY_FILE/
      ],
      [
        { POSTSTACK_TLS_CERT_FILE: path.join(dir, "missing.pem"), POSTSTACK_TLS_KEY_FILE: files.key },
        /POSTSTACK_TLS_CERT_FILE .*missing\.pem.* cannot be read \(ENOENT\)/
      ],
      [
        { POSTSTACK_TLS_CERT_FILE: files.cert, POSTSTACK_TLS_KEY_FILE: files.otherKey },
        /are not a PEM certificate and its key/
      ]
    ]
    for (const [env, message] of cases) {
      const result = await read(env)
      expect(Either.isLeft(result) && result.left._tag).toBe("StartupProblem")
      expect(Either.isLeft(result) && "message" in result.left ? result.left.message : "").toMatch(message)
    }
  })
})
