import nodemailer from "nodemailer"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Running } from "../apps/processes.js"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { freePort } from "../support/net.js"
import { newKey, processEnv, SCALE, startApi, waitUntil } from "./harness.js"

describe("the server process killed while it relays SMTP submissions", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  const running: Array<Running> = []

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
  })
  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL")
    await dns.close()
    await db.drop()
  })

  it("every message answered 250 after DATA is stored, with its recipient and the id it was given", async () => {
    const key = newKey()
    const port = await freePort()
    const smtpPort = await freePort()
    const env = processEnv({
      databaseUrl: db.url,
      dns,
      port,
      key,
      extra: {
        POSTSTACK_SMTP_HOST: "127.0.0.1",
        POSTSTACK_SMTP_SUBMISSION_PORT: String(smtpPort),
        POSTSTACK_SMTP_SUBMISSION_TLS_PORT: "off",
        POSTSTACK_SMTP_INBOUND_PORT: "off"
      }
    })
    const server = await startApi(env)
    running.push(server)
    await addVerifiedDomain(`http://127.0.0.1:${port}`, key, dns, "crash-relay.test")
    // Pooled connections, as applications keep them, each carrying one message after another.
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port: smtpPort,
      secure: true,
      pool: true,
      maxConnections: 4,
      maxMessages: Number.POSITIVE_INFINITY,
      auth: { user: "poststack", pass: key },
      tls: { rejectUnauthorized: false }
    })
    await waitUntil(
      () =>
        transport.verify().then(
          () => true,
          () => false
        ),
      30_000,
      server.output
    )

    const acked = new Map<string, string>()
    let cutOff = 0
    let killed = false
    let next = 0
    const senders = Array.from({ length: 8 }, async () => {
      while (!killed) {
        const to = `r${next++}@receiver.test`
        try {
          const info = await transport.sendMail({
            from: "Shop <shop@crash-relay.test>",
            to,
            subject: "Relayed before the crash",
            text: "Accepted means stored."
          })
          const id = /em_[0-9a-f]{32}/.exec(info.response)?.[0]
          if (id !== undefined) acked.set(to, id)
        } catch {
          cutOff++
        }
      }
    })
    await waitUntil(() => acked.size >= 50 * SCALE, 60_000, server.output)
    expect(await server.stop("SIGKILL")).toBeNull()
    killed = true
    await Promise.all(senders)
    transport.close()

    // Messages were in flight when the process died: their senders heard no 250.
    expect(cutOff).toBeGreaterThan(0)
    const rows = await query<{ public_id: string; recipient: string }>(
      db.url,
      "SELECT e.public_id, d.recipient FROM emails e JOIN deliveries d ON d.email_id = e.id"
    )
    const stored = new Map(rows.map((r) => [r.recipient, r.public_id]))
    for (const [to, id] of acked) expect(stored.get(to), to).toBe(id)
    console.log(`relay crash: ${acked.size} acknowledged and stored, ${cutOff} sends cut off by the kill`)
  }, 180_000)
})
