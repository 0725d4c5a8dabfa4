import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import * as path from "node:path"
import nodemailer from "nodemailer"
import { afterAll, describe, expect, it } from "vitest"
import { launch, type Running } from "../apps/processes.js"
import { createTestDatabase } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startDnsServer } from "../support/dnsServer.js"
import { freePort } from "../support/net.js"
import { TEST_ENCRYPTION_KEY } from "../support/server.js"
import { deliverRaw } from "../support/mx.js"

const started: Array<Running> = []
afterAll(async () => {
  for (const p of started) await p.stop("SIGKILL")
})

describe("the server process with its SMTP doors configured by the environment", () => {
  it("relays and receives mail next to the HTTP API, skips a port it cannot bind, and stops cleanly", async () => {
    const db = await createTestDatabase()
    const dns = await startDnsServer()
    const dataDir = mkdtempSync(path.join(tmpdir(), "poststack-smtp-"))
    const [http, submission, inbound, taken] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort()
    ]
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(taken, "127.0.0.1", () => resolve()))
    const key = "sk_test_smtpprocesssmtpprocesssmtpprocess"
    try {
      const server = launch("apps/server/src/main.ts", {
        DATABASE_URL: db.url,
        POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        POSTSTACK_BOOTSTRAP_API_KEY: key,
        POSTSTACK_DATA_DIR: dataDir,
        POSTSTACK_DNS_SERVERS: dns.address,
        POSTSTACK_MX_HOST: "mx.poststack.test",
        PORT: String(http),
        POSTSTACK_SMTP_HOST: "127.0.0.1",
        POSTSTACK_SMTP_SUBMISSION_PORT: String(submission),
        POSTSTACK_SMTP_SUBMISSION_TLS_PORT: "off",
        POSTSTACK_SMTP_STARTTLS_PORT: String(taken),
        POSTSTACK_SMTP_INBOUND_PORT: String(inbound)
      })
      started.push(server)
      await server.waitFor("Listening on", 90_000)
      await server.waitFor(`SMTP MX (inbound) listening on 127.0.0.1:${inbound}`)
      expect(server.output()).toContain(`SMTP submission (implicit TLS) listening on 127.0.0.1:${submission}`)
      expect(server.output()).toMatch(
        new RegExp(`SMTP submission \\(STARTTLS\\) not started: cannot listen on 127\\.0\\.0\\.1:${taken}`)
      )
      expect(server.output()).toContain("self-signed certificate")

      const baseUrl = `http://127.0.0.1:${http}`
      const domain = await addVerifiedDomain(baseUrl, key, dns, "process.test")
      const transport = nodemailer.createTransport({
        host: "127.0.0.1",
        port: submission,
        secure: true,
        auth: { user: "poststack", pass: key },
        tls: { rejectUnauthorized: false }
      })
      const info = await transport.sendMail({
        from: "app@process.test",
        to: "someone@receiver.test",
        subject: "From the process",
        text: "hello"
      })
      transport.close()
      const id = /em_[0-9a-f]{32}/.exec(info.response)?.[0]
      const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
      const email = (await (await fetch(`${baseUrl}/emails/${id}`, { headers })).json()) as {
        email: { subject: string; testMode: boolean }
      }
      expect(email.email).toMatchObject({ subject: "From the process", testMode: true })

      await fetch(`${baseUrl}/domains/${domain.id}`, {
        method: "PATCH",
        headers,
        body: JSON.stringify({ inbound_enabled: true })
      })
      const received = await deliverRaw(
        inbound,
        "friend@sender.test",
        ["hello@process.test"],
        "From: friend@sender.test\r\nTo: hello@process.test\r\nSubject: Hi\r\n\r\nHi there\r\n"
      )
      expect(received.response).toMatch(/^250 /)
      const listed = (await (await fetch(`${baseUrl}/inbound`, { headers })).json()) as {
        data: Array<{ subject: string }>
      }
      expect(listed.data.map((e) => e.subject)).toEqual(["Hi"])

      expect(await server.stop("SIGTERM")).toBe(0)
    } finally {
      blocker.close()
      await dns.close()
      await db.drop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 180_000)
})
