import { Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { type FakeGitHub, type FakeGitHubAccount, startFakeGitHub } from "../support/fakeGitHub.js"
import { startTestServer } from "../support/server.js"
import { currentStep, totpAt } from "../support/totp.js"
import { Browser, mailTo, tokenIn } from "./browser.js"
import { type AccountsWorld, startAccountsWorld } from "./harness.js"

const REDIRECT_URI = "http://dashboard.poststack.test/auth/github/callback"

/** A browser that keeps every cookie the server sets (session and GitHub state) and follows nothing. */
class Jar {
  readonly cookies = new Map<string, string>()
  csrf: string | undefined
  constructor(readonly baseUrl: string) {}
  async call(method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = { "content-type": "application/json" }
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ")
    if (this.csrf !== undefined) headers["x-csrf-token"] = this.csrf
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      redirect: "manual",
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    for (const set of res.headers.getSetCookie()) {
      const [pair = ""] = set.split(";")
      const name = pair.slice(0, pair.indexOf("="))
      const value = pair.slice(pair.indexOf("=") + 1)
      if (value === "") this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    const text = await res.text()
    const parsed = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>)
    if (typeof parsed.csrfToken === "string") this.csrf = parsed.csrfToken
    return { status: res.status, body: parsed, text, headers: res.headers }
  }
  session() {
    return [...this.cookies.keys()].some((k) => k.includes("poststack_session"))
  }
}

const octo: FakeGitHubAccount = {
  id: 583231,
  login: "octocat",
  name: "The Octocat",
  emails: [
    { email: "octo-old@people.test", primary: false, verified: false },
    { email: "Octo@People.test", primary: true, verified: true }
  ]
}

describe("accounts: sign-in with GitHub against a fake GitHub", () => {
  let world: AccountsWorld
  let github: FakeGitHub
  const seen = new Set<number>()
  const logs: Array<string> = []
  const secrets: Array<string> = []
  const password = "correct horse battery staple"

  /** Start in `jar`, consent at the fake as `account`, and come back: the callback's answer. */
  const roundTrip = async (jar: Jar, account: FakeGitHubAccount, start?: () => Promise<string>) => {
    const url = new URL(start === undefined ? await startSignIn(jar) : await start())
    const code = github.grant(account)
    const state = url.searchParams.get("state") ?? ""
    secrets.push(code, state)
    return jar.call("GET", `/auth/github/callback?code=${code}&state=${encodeURIComponent(state)}`)
  }
  const startSignIn = async (jar: Jar) => {
    const res = await jar.call("GET", "/auth/github")
    expect(res.status, res.text).toBe(302)
    return res.headers.get("location") ?? ""
  }

  beforeAll(async () => {
    github = await startFakeGitHub()
    secrets.push(github.clientSecret)
    world = await startAccountsWorld({
      logSink: (line) => logs.push(line),
      github: {
        clientId: github.clientId,
        clientSecret: Redacted.make(github.clientSecret),
        redirectUri: REDIRECT_URI,
        webUrl: github.url,
        apiUrl: github.url,
        timeoutMs: 5_000
      }
    })
  })
  afterAll(async () => {
    await world?.close()
    await github?.close()
  })

  it("signs up a new person from their verified primary address, then signs them in again", async () => {
    const jar = new Jar(world.server.baseUrl)
    const location = new URL(await startSignIn(jar))
    expect(`${location.origin}${location.pathname}`).toBe(`${github.url}/login/oauth/authorize`)
    expect(location.searchParams.get("client_id")).toBe(github.clientId)
    expect(location.searchParams.get("redirect_uri")).toBe(REDIRECT_URI)
    expect(location.searchParams.get("scope")).toBe("read:user user:email")
    const state = location.searchParams.get("state") ?? ""
    expect(state.length).toBeGreaterThanOrEqual(32)
    expect([...jar.cookies.values()].some((v) => v.endsWith(state))).toBe(true)

    const code = github.grant(octo)
    secrets.push(code, state)
    const back = await jar.call("GET", `/auth/github/callback?code=${code}&state=${state}`)
    expect(back.status, back.text).toBe(303)
    expect(back.headers.get("location")).toBe("/")
    expect(jar.session()).toBe(true)
    // The state cookie is spent.
    expect([...jar.cookies.keys()].some((k) => k.includes("github"))).toBe(false)
    const me = await jar.call("GET", "/auth/session")
    expect(me.status).toBe(200)
    expect(me.body.user).toMatchObject({
      email: "octo@people.test",
      name: "The Octocat",
      emailVerified: true
    })

    // The token exchange and the API calls as GitHub expects them.
    const exchange = github.requests.find((r) => r.path === "/login/oauth/access_token")
    expect(exchange?.headers.accept).toContain("application/json")
    expect(new URLSearchParams(exchange?.body).get("redirect_uri")).toBe(REDIRECT_URI)
    const token = github.tokens[0] ?? ""
    secrets.push(...github.tokens)
    for (const path of ["/user", "/user/emails"])
      expect(github.requests.find((r) => r.path === path)?.headers.authorization).toBe(`Bearer ${token}`)

    // P02: the GitHub id, profile name, verified address and avatar URL, nothing else.
    const rows = await query<Record<string, unknown>>(
      world.db.url,
      "SELECT provider, provider_id, name, email, avatar_url FROM linked_identities"
    )
    expect(rows).toEqual([
      {
        provider: "github",
        provider_id: "583231",
        name: "The Octocat",
        email: "octo@people.test",
        avatar_url: "https://avatars.githubusercontent.com/u/583231?v=4"
      }
    ])
    const columns = await query<{ column_name: string }>(
      world.db.url,
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'linked_identities' ORDER BY 1"
    )
    expect(columns.map((c) => c.column_name)).toEqual([
      "avatar_url",
      "email",
      "linked_at",
      "name",
      "provider",
      "provider_id",
      "user_id"
    ])
    const dump = JSON.stringify(await query(world.db.url, "SELECT * FROM users"))
    expect(dump).not.toContain("secret-company")
    expect(dump).not.toContain("private bio")
    const [user] = await query<{ password_hash: string | null }>(
      world.db.url,
      "SELECT password_hash FROM users WHERE email = 'octo@people.test'"
    )
    expect(user?.password_hash).toBeNull()

    const again = new Jar(world.server.baseUrl)
    expect((await roundTrip(again, octo)).status).toBe(303)
    const second = await again.call("GET", "/auth/session")
    expect((second.body.user as { id: string }).id).toBe((me.body.user as { id: string }).id)
    const [count] = await query<{ n: number }>(
      world.db.url,
      "SELECT count(*)::int AS n FROM users WHERE email LIKE 'octo%'"
    )
    expect(count?.n).toBe(1)
  })

  it("answers a clear error for a foreign state, denied consent, no verified address and a taken address", async () => {
    const jar = new Jar(world.server.baseUrl)
    const location = new URL(await startSignIn(jar))
    const code = github.grant(octo)
    const mismatch = await jar.call("GET", `/auth/github/callback?code=${code}&state=not-the-state`)
    expect(mismatch.status).toBe(400)
    expect(mismatch.body).toEqual({
      error:
        "This GitHub sign-in was not started in this browser, or it is more than ten minutes old: start again",
      code: "github_sign_in_failed"
    })
    expect(jar.session()).toBe(false)
    // Another browser brings back a real state: without the cookie it is refused too.
    const stranger = new Jar(world.server.baseUrl)
    const state = location.searchParams.get("state") ?? ""
    const stolen = await stranger.call(
      "GET",
      `/auth/github/callback?code=${github.grant(octo)}&state=${state}`
    )
    expect(stolen.status).toBe(400)
    expect(stranger.session()).toBe(false)

    const denying = new Jar(world.server.baseUrl)
    const denyState = new URL(await startSignIn(denying)).searchParams.get("state") ?? ""
    const denied = await denying.call(
      "GET",
      `/auth/github/callback?error=access_denied&error_description=The+user+has+denied+your+application+access.&state=${denyState}`
    )
    expect(denied.status).toBe(400)
    expect(denied.body).toEqual({
      error: "You declined access at GitHub: nothing was changed",
      code: "github_sign_in_failed"
    })

    const unverified = await roundTrip(new Jar(world.server.baseUrl), {
      id: 42,
      login: "unverified",
      name: null,
      emails: [{ email: "nope@people.test", primary: true, verified: false }]
    })
    expect(unverified.status).toBe(400)
    expect(unverified.body.error).toMatch(/no verified primary email address/)

    // An address with a password account is not taken over by a GitHub account claiming it.
    const browser = new Browser(world.server.baseUrl)
    await browser.call("POST", "/auth/sign-up", { email: "pat@people.test", password })
    const token = tokenIn(await mailTo(world.sink, "pat@people.test", /confirm your email/i, seen))
    await browser.call("POST", "/auth/verify-email", { token })
    const claimer = new Jar(world.server.baseUrl)
    const claim = await roundTrip(claimer, {
      id: 77,
      login: "claimer",
      name: "Claimer",
      emails: [{ email: "pat@people.test", primary: true, verified: true }]
    })
    expect(claim.status).toBe(400)
    expect(claim.body.error).toMatch(/sign in with your password, then link GitHub/)
    expect(claimer.session()).toBe(false)

    // A used code: GitHub's bad_verification_code.
    const reuse = new Jar(world.server.baseUrl)
    const reuseState = new URL(await startSignIn(reuse)).searchParams.get("state") ?? ""
    const used = await reuse.call("GET", `/auth/github/callback?code=${code}-gone&state=${reuseState}`)
    expect(used.status).toBe(400)
    expect(used.body.error).toMatch(/wrong, used or expired/)
  })

  it("links GitHub to a signed-in person, refuses a GitHub account linked elsewhere, and unlinks all but the last way in", async () => {
    const jar = new Jar(world.server.baseUrl)
    const signIn = await jar.call("POST", "/auth/sign-in", { email: "pat@people.test", password })
    expect(signIn.status, signIn.text).toBe(200)
    expect((await jar.call("GET", "/account/github")).body).toEqual({ linked: false, identity: null })

    const pats: FakeGitHubAccount = {
      id: 9001,
      login: "pat",
      name: "Pat",
      emails: [{ email: "pat.elsewhere@people.test", primary: true, verified: true }]
    }
    const linkStart = async () => {
      const res = await jar.call("POST", "/account/github")
      expect(res.status, res.text).toBe(200)
      return res.body.url as string
    }
    const linked = await roundTrip(jar, pats, linkStart)
    expect(linked.status, linked.text).toBe(303)
    expect(linked.headers.get("location")).toBe("/app/account?github=linked")
    const view = await jar.call("GET", "/account/github")
    expect(view.body).toMatchObject({
      linked: true,
      identity: { githubId: "9001", email: "pat.elsewhere@people.test" }
    })

    // GitHub now signs Pat in.
    const viaGitHub = new Jar(world.server.baseUrl)
    expect((await roundTrip(viaGitHub, pats)).status).toBe(303)
    expect(((await viaGitHub.call("GET", "/auth/session")).body.user as { email: string }).email).toBe(
      "pat@people.test"
    )

    // Octocat's GitHub account belongs to another person.
    const taken = await roundTrip(jar, octo, linkStart)
    expect(taken.status).toBe(409)

    expect((await jar.call("DELETE", "/account/github")).body).toEqual({ linked: false })
    expect((await jar.call("DELETE", "/account/github")).status).toBe(404)

    // The octocat has no password: GitHub is their only way in.
    const octoJar = new Jar(world.server.baseUrl)
    expect((await roundTrip(octoJar, octo)).status).toBe(303)
    await octoJar.call("GET", "/auth/session")
    const last = await octoJar.call("DELETE", "/account/github")
    expect(last.status).toBe(409)
    expect(last.body.error).toMatch(/only way to sign in/)
  })

  it("sends the person on to the page they wanted (`?next=`), only when it is a path of this site", async () => {
    const hubber: FakeGitHubAccount = {
      id: 7001,
      login: "hubber",
      name: "Hub Ber",
      emails: [{ email: "hubber@people.test", primary: true, verified: true }]
    }
    const via = async (next: string) => {
      const jar = new Jar(world.server.baseUrl)
      const back = await roundTrip(jar, hubber, async () => {
        const res = await jar.call("GET", `/auth/github?next=${encodeURIComponent(next)}`)
        expect(res.status, res.text).toBe(302)
        return res.headers.get("location") ?? ""
      })
      expect(back.status, back.text).toBe(303)
      expect(jar.session()).toBe(true)
      return back.headers.get("location")
    }
    expect(await via("/app/domains?page=2")).toBe("/app/domains?page=2")
    // What leaves the site, or is not a path, is dropped as the password sign-in drops it.
    for (const hostile of ["//evil.test/x", "/\\evil.test", "https://evil.test/", "/\t/evil.test", "app"])
      expect(await via(hostile), hostile).toBe("/")
    // The path is bound to the browser's state cookie, not to anything GitHub sends back.
    const jar = new Jar(world.server.baseUrl)
    const res = await jar.call("GET", "/auth/github?next=/app/audit-log")
    const state = new URL(res.headers.get("location") ?? "").searchParams.get("state") ?? ""
    const code = github.grant(hubber)
    secrets.push(code, state)
    const back = await jar.call(
      "GET",
      `/auth/github/callback?code=${code}&state=${encodeURIComponent(state)}&next=${encodeURIComponent("/app/team")}`
    )
    expect(back.headers.get("location")).toBe("/app/audit-log")
  })

  it("asks for the second factor after GitHub when two-factor authentication is on", async () => {
    const jar = new Jar(world.server.baseUrl)
    expect((await roundTrip(jar, octo)).status).toBe(303)
    await jar.call("GET", "/auth/session")
    const started = await jar.call("POST", "/account/two-factor")
    const secret = started.body.secret as string
    secrets.push(secret)
    expect(
      (await jar.call("POST", "/account/two-factor/confirm", { code: totpAt(secret, currentStep()) })).status
    ).toBe(200)

    const fresh = new Jar(world.server.baseUrl)
    const back = await roundTrip(fresh, octo, async () => {
      const res = await fresh.call("GET", "/auth/github?next=/app/domains")
      return res.headers.get("location") ?? ""
    })
    expect(back.status).toBe(303)
    expect(fresh.session()).toBe(false)
    const location = back.headers.get("location") ?? ""
    // Where the person was going rides along to the second-factor page, which checks it again.
    expect(location).toMatch(/^\/sign-in\/two-factor\?next=%2Fapp%2Fdomains#challenge=/)
    const challenge = location.slice(location.indexOf("#challenge=") + "#challenge=".length)
    secrets.push(challenge)
    const done = await fresh.call("POST", "/auth/sign-in/two-factor", {
      challenge,
      code: totpAt(secret, currentStep() + 1)
    })
    expect(done.status, done.text).toBe(200)
    expect(fresh.session()).toBe(true)
  })

  it("says GitHub sign-in is not configured on a server without a client id and secret", async () => {
    const plain = await startTestServer({ databaseUrl: world.db.url })
    try {
      const res = await fetch(`${plain.baseUrl}/auth/github`, { redirect: "manual" })
      expect(res.status).toBe(503)
      expect(await res.json()).toEqual({
        error:
          "Sign-in with GitHub is not configured on this server (POSTSTACK_GITHUB_CLIENT_ID and POSTSTACK_GITHUB_CLIENT_SECRET)",
        code: "github_not_configured"
      })
      const callback = await fetch(`${plain.baseUrl}/auth/github/callback?code=x&state=y`, {
        redirect: "manual",
        headers: { cookie: "poststack_github=signin.y" }
      })
      expect(callback.status).toBe(503)
    } finally {
      await plain.close()
    }
  })

  it("writes no code, state, token or client secret to the log", () => {
    secrets.push(...github.tokens)
    expect(logs.length).toBeGreaterThan(0)
    const all = logs.join("\n")
    for (const secret of secrets) expect(all).not.toContain(secret)
  })
})
