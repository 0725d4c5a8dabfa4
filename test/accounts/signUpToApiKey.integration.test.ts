import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { Browser, mailTo, tokenIn } from "./browser.js"
import { type AccountsWorld, startAccountsWorld } from "./harness.js"

describe("accounts: from sign-up to a first API key, over HTTP, PostgreSQL and a real mail pipeline", () => {
  let world: AccountsWorld
  const seen = new Set<number>()
  const password = "correct horse battery staple"

  beforeAll(async () => {
    world = await startAccountsWorld()
  })
  afterAll(async () => {
    await world?.close()
  })

  it("signs up, verifies by the mailed link, signs in with a session cookie, and creates an API key with the CSRF token", async () => {
    const alice = new Browser(world.server.baseUrl)
    const signUp = await alice.call("POST", "/auth/sign-up", {
      email: "Alice@People.test",
      password,
      name: "Alice",
      time_zone: "Europe/Paris"
    })
    expect(signUp.status, signUp.text).toBe(202)

    const welcome = await mailTo(world.sink, "alice@people.test", /confirm your email/i, seen)
    expect(welcome.from).toMatch(/@bounces\.system\.test$/)
    const token = tokenIn(welcome)
    expect(welcome.text).toContain(`http://dashboard.poststack.test/verify-email#token=${token}`)

    // Not verified yet: the right password is told so, and gets no session.
    const early = await alice.call("POST", "/auth/sign-in", { email: "alice@people.test", password })
    expect(early.status).toBe(403)
    expect(alice.cookie).toBeUndefined()

    expect((await alice.call("POST", "/auth/verify-email", { token })).status).toBe(200)
    const again = await alice.call("POST", "/auth/verify-email", { token })
    expect(again.status).toBe(422)
    expect(again.body.code).toBe("unprocessable_entity")

    const signedIn = await alice.signIn("ALICE@people.test", password)
    const user = signedIn.body.user as { email: string; emailVerified: boolean; timeZone: string }
    expect(user).toMatchObject({ email: "alice@people.test", emailVerified: true, timeZone: "Europe/Paris" })
    const teams = signedIn.body.teams as Array<{ id: number; name: string; role: string }>
    expect(teams).toEqual([expect.objectContaining({ name: "Alice's team", role: "owner" })])
    expect(alice.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/)

    // The cookie: HttpOnly, SameSite=Lax, Path=/, 24 hours; over plain http on localhost, without Secure.
    const setCookie = signedIn.headers.getSetCookie().find((c) => c.includes("poststack_session")) ?? ""
    expect(setCookie).toMatch(/^poststack_session=[A-Za-z0-9_-]{43};/)
    expect(setCookie).toMatch(/; HttpOnly/)
    expect(setCookie).toMatch(/; SameSite=Lax/)
    expect(setCookie).toMatch(/; Path=\//)
    expect(setCookie).toMatch(/; Max-Age=86400/)
    expect(setCookie).not.toMatch(/Secure/)
    // The database keeps only the cookie's SHA-256.
    const secret = (alice.cookie ?? "").split("=")[1] ?? ""
    const rows = await query<{ n: number }>(
      world.db.url,
      "SELECT count(*)::int AS n FROM sessions WHERE token_hash = sha256(convert_to($1, 'UTF8'))",
      [secret]
    )
    expect(rows[0]?.n).toBe(1)
    expect(JSON.stringify(await query(world.db.url, "SELECT * FROM sessions"))).not.toContain(secret)
    // The password is an Argon2id hash.
    const [stored] = await query<{ password_hash: string }>(world.db.url, "SELECT password_hash FROM users")
    expect(stored?.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=1\$/)

    // A state-changing request with the cookie but without the CSRF token is refused, and creates nothing.
    const refused = await alice.call(
      "POST",
      "/api-keys",
      { name: "ci", permission: "sending_access" },
      { csrf: null }
    )
    expect(refused.status).toBe(403)
    expect(refused.body).toEqual({ error: expect.stringContaining("CSRF"), code: "forbidden" })
    const wrong = await alice.call(
      "POST",
      "/api-keys",
      { name: "ci", permission: "sending_access" },
      { csrf: "x".repeat(43) }
    )
    expect(wrong.status).toBe(403)
    expect((await alice.call("GET", "/api-keys", undefined, { csrf: null })).body.keys).toEqual([])

    const created = await alice.call("POST", "/api-keys", { name: "ci", permission: "full_access" })
    expect(created.status, created.text).toBe(201)
    const key = String(created.body.key)
    expect(key).toMatch(/^sk_live_/)
    // The key acts on Alice's team, not on the bootstrap team.
    const domains = await fetch(`${world.server.baseUrl}/domains`, {
      headers: { authorization: `Bearer ${key}` }
    })
    expect(domains.status).toBe(200)
    expect(((await domains.json()) as { domains: Array<unknown> }).domains).toEqual([])
    const [keyRow] = await query<{ team_id: number }>(
      world.db.url,
      "SELECT team_id FROM api_keys WHERE name = 'ci'"
    )
    expect(keyRow?.team_id).toBe(teams[0]?.id)
  })

  it("sets the __Host- cookie with Secure behind TLS (a proxy saying https)", async () => {
    const browser = new Browser(world.server.baseUrl, { "x-forwarded-proto": "https" })
    const res = await browser.signIn("alice@people.test", password)
    const setCookie = res.headers.getSetCookie().find((c) => c.includes("poststack_session")) ?? ""
    expect(setCookie).toMatch(/^__Host-poststack_session=[A-Za-z0-9_-]{43};/)
    expect(setCookie).toMatch(/; Secure/)
    expect(setCookie).toMatch(/; HttpOnly/)
    expect((await browser.call("GET", "/auth/session")).status).toBe(200)
  })

  it("refuses a session past its 24 hours, and after sign-out", async () => {
    const browser = new Browser(world.server.baseUrl)
    await browser.signIn("alice@people.test", password)
    expect((await browser.call("GET", "/account")).status).toBe(200)
    const cookie = browser.cookie
    expect((await browser.call("DELETE", "/auth/session")).status).toBe(200)
    expect(browser.cookie).toBeUndefined()
    browser.cookie = cookie
    expect((await browser.call("GET", "/account")).status).toBe(401)

    const other = new Browser(world.server.baseUrl)
    const signedIn = await other.signIn("alice@people.test", password)
    const id = (signedIn.body.session as { id: string }).id
    await query(world.db.url, "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [
      id
    ])
    const expired = await other.call("GET", "/account")
    expect(expired.status).toBe(401)
    expect(expired.body.code).toBe("unauthorized")
  })

  it("keeps API keys away from account and team routes, and answers a key exactly as before on the others", async () => {
    const asKey = (path: string, method = "GET") =>
      fetch(`${world.server.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${world.key}` } })
    for (const path of ["/account", "/auth/session", "/auth/sessions", "/teams"]) {
      const res = await asKey(path)
      expect(res.status, path).toBe(403)
      expect(((await res.json()) as { code: string }).code).toBe("forbidden")
    }
    const missing = await fetch(`${world.server.baseUrl}/domains`)
    expect(missing.status).toBe(401)
    expect(await missing.json()).toEqual({
      error: "Missing API key: send it in the header Authorization: Bearer <API key>",
      code: "unauthorized"
    })
  })
})
