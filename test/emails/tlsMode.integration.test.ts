import { createServer, type Server } from "node:net"
import { PgDatabase } from "@poststack/adapters-persistence"
import type { PeriodicTask } from "@poststack/application"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import { callApi } from "../support/api.js"

const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []

/**
 * A receiving MTA, line by line, that advertises STARTTLS and then either refuses it (`454`, after
 * which it takes mail in plaintext, as such servers do) or answers `220` and breaks the handshake.
 * It records every MAIL FROM it hears: a message that reached one went in plaintext.
 */
const startFakeMta = async (host: string, port: number, starttls: "refuse" | "break") => {
  const mailFrom: Array<string> = []
  const server: Server = createServer((socket) => {
    socket.on("error", () => {})
    socket.write("220 fake.mx.test ESMTP\r\n")
    let buffer = ""
    let inData = false
    let handshaking = false
    socket.on("data", (chunk: Buffer) => {
      // The client's TLS hello: answer it with something that is not TLS.
      if (handshaking) return socket.end("this is not a TLS handshake\r\n")
      buffer += chunk.toString("latin1")
      for (let at = buffer.indexOf("\r\n"); at >= 0; at = buffer.indexOf("\r\n")) {
        const line = buffer.slice(0, at)
        buffer = buffer.slice(at + 2)
        if (inData) {
          if (line === ".") {
            inData = false
            socket.write("250 2.0.0 kept\r\n")
          }
          continue
        }
        const verb = line.split(" ")[0]?.toUpperCase()
        if (verb === "EHLO") socket.write("250-fake.mx.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
        else if (verb === "STARTTLS" && starttls === "refuse") socket.write("454 4.7.0 TLS not available\r\n")
        else if (verb === "STARTTLS") {
          handshaking = true
          socket.write("220 2.0.0 ready to start TLS\r\n")
        } else if (verb === "MAIL") {
          mailFrom.push(line)
          socket.write("250 2.1.0 ok\r\n")
        } else if (verb === "RCPT" || verb === "RSET" || verb === "NOOP") socket.write("250 2.1.5 ok\r\n")
        else if (verb === "DATA") {
          inData = true
          socket.write("354 go ahead\r\n")
        } else if (verb === "QUIT") socket.end("221 2.0.0 bye\r\n")
        else socket.write("502 5.5.2 unknown command\r\n")
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(port, host, () => resolve()))
  return { mailFrom, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

describe("a domain's tls_mode in delivery", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let key: string
  /** Offers STARTTLS with smtp-server's self-signed certificate. */
  let tlsSink: SmtpSink
  /** Offers no STARTTLS at all. */
  let plainSink: SmtpSink
  let refusing: Awaited<ReturnType<typeof startFakeMta>>
  let breaking: Awaited<ReturnType<typeof startFakeMta>>
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>

  const call = (method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, key, method, path, body)
  const send = async (from: string, to: string) => {
    const res = await call("POST", "/emails", {
      from,
      to: [to],
      subject: "Statement",
      text: "Private figures"
    })
    expect(res.status).toBe(202)
    return String(res.body.id)
  }
  const settled = async (id: string) => {
    const deadline = Date.now() + 20_000
    for (;;) {
      const { status } = (await call("GET", `/emails/${id}`)).body.email as { status: string }
      if (!["queued", "sending"].includes(status)) return status
      if (Date.now() > deadline) throw new Error(`email ${id} still ${status}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  const lastEvent = async (id: string) =>
    (
      (await call("GET", `/emails/${id}/events`)).body.events as Array<{
        eventType: string
        metadata: Record<string, unknown>
      }>
    ).at(-1)

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    key = (await server.bootstrap()) ?? ""
    // One MX port for the worker, four receivers on four loopback addresses.
    tlsSink = await startSmtpSink()
    plainSink = await startSmtpSink({ host: "127.0.0.2", port: tlsSink.port, starttls: false })
    refusing = await startFakeMta("127.0.0.3", tlsSink.port, "refuse")
    breaking = await startFakeMta("127.0.0.4", tlsSink.port, "break")
    for (const [domain, address] of [
      ["tls.test", "127.0.0.1"],
      ["plain.test", "127.0.0.2"],
      ["refuses.test", "127.0.0.3"],
      ["breaks.test", "127.0.0.4"]
    ] as const) {
      dns.publish(domain, "MX", `mx.${domain}`)
      dns.publish(`mx.${domain}`, "A", address)
    }
    await addVerifiedDomain(server.baseUrl, key, dns, "loose.test")
    const strict = await addVerifiedDomain(server.baseUrl, key, dns, "strict.test")
    const patched = await call("PATCH", `/domains/${strict.id}`, { tls_mode: "enforced" })
    expect((patched.body.domain as { tlsMode: string }).tlsMode).toBe("enforced")
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, jobs).pipe(
        Layer.provide(
          testServices({ dnsServers: [dns.address], mxPort: tlsSink.port, allowPrivateMx: true })
        ),
        Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 3 }))
      )
    )
    await worker.runPromise(Effect.void)
  })
  afterAll(async () => {
    await worker.dispose()
    await server.close()
    await Promise.all([tlsSink.close(), plainSink.close(), refusing.close(), breaking.close()])
    await dns.close()
    await db.drop()
  })

  it("delivers enforced mail over STARTTLS to a receiver that offers it, its self-signed certificate accepted", async () => {
    const id = await send("bank@strict.test", "client@tls.test")
    expect(await settled(id)).toBe("delivered")
    const got = tlsSink.received.filter((m) => m.to.includes("client@tls.test"))
    expect(got.map((m) => m.secure)).toEqual([true])
  })

  it("defers enforced mail, never sending it in plaintext, when the receiver offers no STARTTLS", async () => {
    // The same receiver takes opportunistic mail in plaintext, and keeps that connection open.
    const loose = await send("news@loose.test", "reader@plain.test")
    expect(await settled(loose)).toBe("delivered")
    expect(plainSink.received.map((m) => [m.to, m.secure])).toEqual([[["reader@plain.test"], false]])
    const strict = await send("bank@strict.test", "client@plain.test")
    expect(await settled(strict)).toBe("deferred")
    expect(await lastEvent(strict)).toMatchObject({
      eventType: "deferred",
      metadata: {
        reply: expect.stringMatching(
          /^451 4\.7\.4 TLS required by the domain's tls_mode.*mx\.plain\.test \(127\.0\.0\.2\)/
        ),
        next_attempt_at: expect.any(String)
      }
    })
    expect(plainSink.dataStarted()).toBe(1)
    expect(plainSink.received.flatMap((m) => m.to)).not.toContain("client@plain.test")
  })

  it("does not fall back to plaintext when the receiver refuses STARTTLS, as opportunistic mail does", async () => {
    const strict = await send("bank@strict.test", "client@refuses.test")
    expect(await settled(strict)).toBe("deferred")
    expect((await lastEvent(strict))?.metadata.reply).toMatch(/^451 4\.7\.4 .*STARTTLS/)
    expect(refusing.mailFrom).toEqual([])
    const loose = await send("news@loose.test", "reader@refuses.test")
    expect(await settled(loose)).toBe("delivered")
    expect(refusing.mailFrom).toHaveLength(1)
  })

  it("defers enforced mail when the TLS handshake fails", async () => {
    const strict = await send("bank@strict.test", "client@breaks.test")
    expect(await settled(strict)).toBe("deferred")
    expect((await lastEvent(strict))?.metadata.reply).toMatch(/^451 4\.7\.4 TLS required.*mx\.breaks\.test/)
    expect(breaking.mailFrom).toEqual([])
  })
})
