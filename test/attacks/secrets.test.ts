import { randomBytes } from "node:crypto"
import { NodeCryptoSecretBox } from "@poststack/adapters-external"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { TEST_ENCRYPTION_KEY } from "../support/server.js"
import { expectRefusal, request, startTwoTeams, type TwoTeams } from "./harness.js"

const box = NodeCryptoSecretBox.make(
  Redacted.make(new Uint8Array(Buffer.from(TEST_ENCRYPTION_KEY, "base64")))
)
/** The whole signing secret in a response (not the 10-character prefix shown beside it). */
const whsec = (body: unknown) =>
  [...JSON.stringify(body).matchAll(/whsec_[A-Za-z0-9+/=]+/g)]
    .map((m) => m[0])
    .sort((a, b) => b.length - a.length)[0] ?? ""
const open = (sealed: Buffer) =>
  Effect.runPromise(Effect.map(box.open(new Uint8Array(sealed)), Redacted.value))

describe("secrets never reach logs or error bodies", () => {
  const lines: Array<string> = []
  const bodies: Array<string> = []
  // Every secret value the run creates or presents; none may appear in a log line or an error body.
  const secrets: Array<string> = []
  let teams: TwoTeams
  const call = async (method: string, path: string, body?: unknown, key = teams.keyA) => {
    const res = await request(teams.server.baseUrl, key, method, path, body)
    if (res.status >= 400) bodies.push(res.text)
    return res
  }

  beforeAll(async () => {
    teams = await startTwoTeams({
      logSink: (line) => lines.push(line),
      webhooks: { allowLoopback: true, timeoutMs: 1_000 },
      // System mail is accepted from team A's domain (never delivered here: no worker runs).
      systemFrom: "PostStack <no-reply@a.test>"
    })
    secrets.push(
      teams.keyA,
      teams.keyB,
      TEST_ENCRYPTION_KEY,
      Buffer.from(TEST_ENCRYPTION_KEY, "base64").toString("hex")
    )
  })
  afterAll(async () => {
    await teams.close()
  })

  it("keeps API keys, webhook secrets, DKIM private keys and the encryption key out of every log line and error body", async () => {
    // API keys: created, rotated, used, and a real-looking wrong one.
    const created = await call("POST", "/api-keys", { name: "ci", permission: "sending_access" })
    expect(created.status).toBe(201)
    secrets.push(String(created.body.key))
    const rotated = await call("POST", `/api-keys/${created.body.id}/rotate`)
    expect(rotated.status).toBe(200)
    secrets.push(String(rotated.body.key))
    expect((await call("GET", "/emails", undefined, String(rotated.body.key))).status).toBe(200)
    // The old key after rotation, and keys that look real, are refused without being echoed.
    for (const wrong of [
      String(created.body.key),
      `sk_live_${randomBytes(24).toString("base64url")}`,
      `sk_test_${randomBytes(24).toString("base64url")}`
    ]) {
      secrets.push(wrong)
      expectRefusal(await call("GET", "/domains", undefined, wrong), 401, "unauthorized")
    }
    // Webhook signing secrets: created, rotated, used to sign a test delivery.
    const hook = await call("POST", "/webhooks", { url: "http://127.0.0.1:9/in", events: ["*"] })
    expect(hook.status).toBe(201)
    const hookId = (hook.body.webhook as { id: number } | undefined)?.id ?? Number(hook.body.id)
    const firstSecret = whsec(hook.body)
    expect(firstSecret.length).toBeGreaterThan(40)
    secrets.push(firstSecret)
    const rotatedHook = await call("POST", `/webhooks/${hookId}/rotate-secret`, {})
    const secondSecret = whsec(rotatedHook.body)
    expect(secondSecret.length).toBeGreaterThan(40)
    secrets.push(secondSecret)
    await call("POST", `/webhooks/${hookId}/test`)
    // Bodies carrying password-like fields, valid and not: neither echoed in errors nor logged.
    const password = `pw-${randomBytes(12).toString("hex")}`
    secrets.push(password)
    await call("POST", "/api-keys", { name: "with password", permission: "sending_access", password })
    await call("POST", "/api-keys", { name: 42, permission: "sending_access", password })
    await call("POST", "/api-keys", [{ password }])
    await call("POST", "/api-keys", `{"password": "${password}", "name": `)
    await call("POST", "/webhooks", { url: `https://user:${password}@hooks.example.com/in`, events: ["*"] })
    await call("POST", "/emails", { from: "a@a.test", to: ["x@example.com"], subject: password, text: 1 })
    // DKIM private keys, as the domains above and one more created them.
    expect((await call("POST", "/domains", { name: "fresh.test" })).status).toBe(201)
    const dkim = await query<{ private_key_sealed: Buffer }>(
      teams.db.url,
      "SELECT private_key_sealed FROM dkim_keys"
    )
    expect(dkim.length).toBeGreaterThanOrEqual(3)
    for (const row of dkim) {
      const pem = await open(row.private_key_sealed)
      expect(pem).toContain("PRIVATE KEY")
      // The PEM whole, and each of its base64 lines, which a log could carry on their own.
      secrets.push(pem, ...pem.split("\n").filter((l) => l.length >= 40))
      secrets.push(row.private_key_sealed.toString("base64"), row.private_key_sealed.toString("hex"))
    }
    // Reads of what was created show prefixes only.
    for (const path of ["/api-keys", "/webhooks", `/webhooks/${hookId}`, "/domains"]) {
      const res = await call("GET", path)
      expect(res.status).toBe(200)
      for (const secret of secrets)
        expect(res.text.includes(secret) ? secret : "", `${path} shows a secret`).toBe("")
    }

    expect(lines.length).toBeGreaterThan(10)
    expect(bodies.length).toBeGreaterThanOrEqual(8)
    const leaks: Array<string> = []
    for (const secret of secrets) {
      for (const line of lines)
        if (line.includes(secret)) leaks.push(`log: ${secret.slice(0, 12)}… in ${line.slice(0, 120)}`)
      for (const body of bodies)
        if (body.includes(secret)) leaks.push(`body: ${secret.slice(0, 12)}… in ${body.slice(0, 120)}`)
    }
    expect(leaks).toEqual([])
    expect(lines.join("\n")).not.toMatch(
      /PRIVATE KEY|whsec_[A-Za-z0-9+/=]{20}|sk_(live|test)_[A-Za-z0-9_-]{20}/
    )
  })

  it("keeps passwords, session cookies, CSRF tokens and mailed link tokens out of every log line and error body", async () => {
    const base = teams.server.baseUrl
    const password = `pw-${randomBytes(12).toString("hex")}-long`
    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body)
      })
      const text = await res.text()
      if (res.status >= 400) bodies.push(text)
      return { res, text }
    }
    secrets.push(password)
    await post("/auth/sign-up", { email: "secret.keeper@example.com", password })
    await post("/auth/sign-up", { email: "short@example.com", password: "short" })
    // Refused for its length, a password is still not echoed in the refusal.
    const tooLong = `tl-${randomBytes(160).toString("hex")}`
    secrets.push(tooLong)
    expect((await post("/auth/sign-up", { email: "long@example.com", password: tooLong })).res.status).toBe(
      400
    )
    await post("/auth/sign-in", { email: "long@example.com", password: tooLong })
    await post("/auth/sign-up", { email: 42, password })
    // The links mailed so far: their tokens are secrets too.
    const tokensInMail = async () => {
      const mails = await query<{ text_body: string }>(
        teams.db.url,
        "SELECT text_body FROM emails WHERE text_body LIKE '%#token=%'"
      )
      return mails.map((m) => /#token=([A-Za-z0-9_-]+)/.exec(m.text_body)?.[1] ?? "")
    }
    const [verify] = await tokensInMail()
    expect(verify).toMatch(/^[A-Za-z0-9_-]{43}$/)
    secrets.push(verify ?? "")
    await post("/auth/verify-email", { token: verify })
    await post("/auth/verify-email", { token: verify })
    await post("/auth/sign-in", { email: "secret.keeper@example.com", password: `${password}x` })
    const signedIn = await post("/auth/sign-in", { email: "secret.keeper@example.com", password })
    expect(signedIn.res.status).toBe(200)
    const cookie = (signedIn.res.headers.getSetCookie()[0] ?? "").split(";")[0] ?? ""
    const csrf = String((JSON.parse(signedIn.text) as { csrfToken: string }).csrfToken)
    secrets.push(cookie.split("=")[1] ?? "", csrf)
    // Refusals with the cookie: without and with a wrong CSRF token, and a made-up cookie.
    await post("/api-keys", { name: "x", permission: "sending_access" }, { cookie })
    await post(
      "/api-keys",
      { name: "x", permission: "sending_access" },
      { cookie, "x-csrf-token": `${csrf}x` }
    )
    await post(
      "/account/password",
      { current_password: password, new_password: "short" },
      { cookie, "x-csrf-token": csrf }
    )
    await post("/auth/password-reset", { email: "secret.keeper@example.com" })
    const reset = (await tokensInMail()).filter((t) => t !== verify)
    expect(reset.length).toBe(1)
    secrets.push(...reset)
    const newPassword = `np-${randomBytes(12).toString("hex")}-long`
    secrets.push(newPassword)
    await post("/auth/password-reset/confirm", { token: reset[0], password: newPassword })
    await post("/auth/password-reset/confirm", { token: reset[0], password: newPassword })
    expect((await fetch(`${base}/account`, { headers: { cookie } })).status).toBe(401)

    const leaks: Array<string> = []
    for (const secret of secrets.filter((x) => x.length >= 16)) {
      for (const line of lines)
        if (line.includes(secret)) leaks.push(`log: ${secret.slice(0, 8)}… in ${line.slice(0, 120)}`)
      for (const body of bodies)
        if (body.includes(secret)) leaks.push(`body: ${secret.slice(0, 8)}… in ${body.slice(0, 120)}`)
    }
    expect(leaks).toEqual([])
    // Only hashes are stored: no table holds the cookie, the CSRF token or a link token.
    const dump = JSON.stringify(
      await query(teams.db.url, "SELECT * FROM sessions s, users u, account_links l WHERE s.user_id = u.id")
    )
    for (const secret of [cookie.split("=")[1] ?? "", csrf, password, newPassword, ...reset])
      expect(dump.includes(secret) ? secret.slice(0, 8) : "").toBe("")
  })

  it("answers server-side failures with {error, code} and no stack trace, SQL or secret", async () => {
    const failures: Array<{ status: number; text: string }> = []
    // A webhook secret sealed under another key cannot be opened: signing the test delivery fails.
    const hook = await call("POST", "/webhooks", { url: "http://127.0.0.1:9/broken", events: ["*"] })
    const hookId = (hook.body.webhook as { id: number } | undefined)?.id ?? Number(hook.body.id)
    await query(teams.db.url, "UPDATE webhooks SET secret_sealed = $1 WHERE id = $2", [
      randomBytes(60),
      hookId
    ])
    // (The test send reports it as a failed attempt, 200 {success: false}; rotation replaces it.)
    const tested = await call("POST", `/webhooks/${hookId}/test`)
    expect(tested.body).toMatchObject({ success: false })
    failures.push(await call("POST", `/webhooks/${hookId}/rotate-secret`, {}))
    // The database losing a table under a running server.
    await query(teams.db.url, "ALTER TABLE webhooks RENAME TO webhooks_gone")
    try {
      failures.push(await call("GET", "/webhooks"))
      failures.push(await call("GET", `/webhooks/${hookId}`))
    } finally {
      await query(teams.db.url, "ALTER TABLE webhooks_gone RENAME TO webhooks")
    }
    const serverSide = failures.filter((f) => f.status >= 500)
    expect(serverSide.length).toBeGreaterThanOrEqual(2)
    for (const failure of failures.filter((f) => f.status >= 400)) {
      const body = JSON.parse(failure.text) as Record<string, unknown>
      expect(Object.keys(body).sort(), failure.text).toEqual(["code", "error"])
      if (failure.status >= 500) expect(body.code).toBe("internal_error")
      expect(failure.text).not.toMatch(
        /\n\s+at |\.ts:\d+|node_modules|SqlError|relation|webhooks_gone|SELECT|Error:/
      )
      for (const secret of secrets) expect(failure.text.includes(secret)).toBe(false)
    }
    const all = lines.join("\n")
    for (const secret of secrets) expect(all.includes(secret)).toBe(false)
  })
})
