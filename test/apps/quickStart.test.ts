import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { freePort, launch, type Running } from "./processes.js"

const started: Array<Running> = []
afterAll(async () => {
  for (const p of started) await p.stop("SIGKILL")
})

/** The README's Quick start, step by step, as a newcomer runs it: no DNS, no configuration. */
describe("README Quick start", () => {
  it("start, take the key, add a domain, verify it locally, send in test mode, see it delivered with its events", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "poststack-quick-"))
    chmodSync(dataDir, 0o755)
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const env = {
      POSTSTACK_DATA_DIR: dataDir,
      PORT: String(port),
      POSTSTACK_SMTP_SUBMISSION_PORT: "off",
      POSTSTACK_SMTP_SUBMISSION_TLS_PORT: "off",
      POSTSTACK_SMTP_INBOUND_PORT: "off"
    }
    try {
      // 1. Start.
      const server = launch("apps/server/src/main.ts", env)
      started.push(server)
      await server.waitFor("Listening on", 120_000)
      // Unset POSTSTACK_PUBLIC_URL / POSTSTACK_MX_HOST: records would point at localhost, and the start says so.
      expect(server.output()).toMatch(/domain DNS records will point at localhost[^\n]*"logLevel":"WARN"/)

      // 2. Take the key (stdout is no terminal here, so it is in a file), and make a test key with it.
      const key = readFileSync(path.join(dataDir, "bootstrap-api-key"), "utf8").trim()
      const call = async (method: string, route: string, body?: unknown, bearer = key) => {
        const res = await fetch(`${base}${route}`, {
          method,
          headers: { Authorization: `Bearer ${bearer}`, "Content-Type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) })
        })
        return { status: res.status, body: (await res.json()) as Answer }
      }
      const testKey = await call("POST", "/api-keys", {
        name: "quick start",
        permission: "sending_access",
        mode: "test"
      })
      expect(testKey.status).toBe(201)
      expect(testKey.body.key).toMatch(/^sk_test_/)

      // 3. Add a domain: it waits for DNS, and its records are flagged as pointing at localhost.
      const created = await call("POST", "/domains", { name: "example.com" })
      expect(created.status).toBe(201)
      const domain = created.body.domain
      expect(domain).toMatchObject({ status: "pending", verifiedLocallyAt: null })
      expect(domain.dnsWarnings).toContainEqual(
        expect.stringMatching(/^MX bounces\.example\.com points at localhost/)
      )
      const refused = await call("POST", "/emails", mail(), testKey.body.key)
      expect(refused.status).toBe(422)

      // The shortcut is the operator's only: no API route marks a domain verified without DNS.
      expect((await call("POST", `/domains/${domain.id}/verify-local`)).status).toBe(404)

      // 4. Verify it for local use, with the CLI.
      const cli = launch("apps/server/src/cli.ts", { POSTSTACK_DATA_DIR: dataDir }, [
        "domains",
        "verify-local",
        "example.com"
      ])
      started.push(cli)
      expect(await cli.exited).toBe(0)
      expect(cli.output()).toContain("Domain example.com")
      expect(cli.output()).toContain("is verified for local use")
      expect(cli.output()).toMatch(/domain marked verified for local use, without a DNS check/)
      const verified = (await call("GET", `/domains/${domain.id}`)).body.domain
      expect(verified.status).toBe("verified")
      expect(Date.parse(verified.verifiedLocallyAt)).not.toBeNaN()

      // 5. Send in test mode. The server may hold the domain's old state for its lookup cache's 2 s.
      let sent = await call("POST", "/emails", mail(), testKey.body.key)
      for (let i = 0; i < 20 && sent.status === 422; i++) {
        await new Promise((r) => setTimeout(r, 250))
        sent = await call("POST", "/emails", mail(), testKey.body.key)
      }
      expect(sent.status).toBe(202)
      const emailId = sent.body.id

      // 6. See it delivered, with its events, and the worker's line for it.
      let status = ""
      for (let i = 0; i < 120 && status !== "delivered"; i++) {
        await new Promise((r) => setTimeout(r, 250))
        status = (await call("GET", `/emails/${emailId}`)).body.email.status
      }
      expect(status).toBe("delivered")
      const events = (await call("GET", `/emails/${emailId}/events`)).body.events as Array<{
        eventType: string
      }>
      expect(events.map((e) => e.eventType)).toEqual(expect.arrayContaining(["queued", "sent", "delivered"]))
      await server.waitFor(new RegExp(`"message":"delivery outcome"[^\\n]*"email":"${emailId}"`), 10_000)
      const line = server
        .output()
        .split("\n")
        .find((l) => l.includes('"delivery outcome"') && l.includes(`"email":"${emailId}"`))
      expect(JSON.parse(line ?? "{}").annotations).toMatchObject({
        email: emailId,
        status: "delivered",
        mx: "simulator.poststack.dev",
        durationMs: expect.any(Number)
      })

      // 7. The dashboard: its page is served, and a person who signed up on an install that sends
      // no system mail yet gets in once the operator verifies the address with the CLI.
      const page = await fetch(`${base}/sign-up`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<div id="root">')
      const signUp = { email: "ada@example.com", password: "correct horse battery staple" }
      const json = { "Content-Type": "application/json" }
      const signedUp = await fetch(`${base}/auth/sign-up`, {
        method: "POST",
        headers: json,
        body: JSON.stringify(signUp)
      })
      expect(signedUp.status).toBe(202)
      // The page does not promise a mail that is not coming, and names the way in.
      const answer = ((await signedUp.json()) as { message: string }).message
      expect(answer).toMatch(/No mail was sent/)
      expect(answer).toContain("poststack users verify")
      const signIn = () =>
        fetch(`${base}/auth/sign-in`, { method: "POST", headers: json, body: JSON.stringify(signUp) })
      expect((await signIn()).status).toBe(403)
      const verifyPerson = launch("apps/server/src/cli.ts", { POSTSTACK_DATA_DIR: dataDir }, [
        "users",
        "verify",
        "Ada@Example.com"
      ])
      started.push(verifyPerson)
      expect(await verifyPerson.exited).toBe(0)
      expect(verifyPerson.output()).toContain("ada@example.com")
      expect(verifyPerson.output()).toContain("can sign in now")
      // The server's log said why no mail went, and the same way in.
      expect(server.output()).toContain(
        "system mail not sent: POSTSTACK_SYSTEM_FROM is not set; `poststack users verify"
      )
      const signedIn = await signIn()
      expect(signedIn.status).toBe(200)
      expect(signedIn.headers.get("set-cookie")).toMatch(/poststack_session=/)
      // Ada has a team of her own now: a command that needs one names the teams to choose from.
      const ambiguous = launch("apps/server/src/cli.ts", { POSTSTACK_DATA_DIR: dataDir }, [
        "domains",
        "verify-local",
        "example.com"
      ])
      started.push(ambiguous)
      expect(await ambiguous.exited).not.toBe(0)
      expect(ambiguous.output()).toMatch(/Several teams: pass --team with one of 1 \(Default team\), 2 \(/)
      expect(await server.stop("SIGTERM")).toBe(0)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 300_000)
})

/** The fields of the answers this walk-through reads. */
interface Answer {
  readonly key: string
  readonly id: string
  readonly domain: {
    readonly id: number
    readonly status: string
    readonly verifiedLocallyAt: string
    readonly dnsWarnings: ReadonlyArray<string>
  }
  readonly email: { readonly status: string }
  readonly events: ReadonlyArray<{ readonly eventType: string }>
}

const mail = () => ({
  from: "hello@example.com",
  to: ["delivered@simulator.poststack.dev"],
  subject: "Hello from PostStack",
  text: "It works."
})
