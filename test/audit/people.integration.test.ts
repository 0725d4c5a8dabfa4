import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Browser, mailTo, tokenIn } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { currentStep, totpAt } from "../support/totp.js"
import { eventually } from "../support/webhookReceiver.js"

describe("the logs with people signed in to the dashboard", () => {
  let world: AccountsWorld
  const seen = new Set<number>()
  const password = "correct horse battery staple"

  const person = async (email: string, userAgent?: string) => {
    const browser = new Browser(
      world.server.baseUrl,
      userAgent === undefined ? {} : { "user-agent": userAgent }
    )
    expect((await browser.call("POST", "/auth/sign-up", { email, password })).status).toBe(202)
    const token = tokenIn(await mailTo(world.sink, email, /confirm your email/i, seen))
    expect((await browser.call("POST", "/auth/verify-email", { token })).status).toBe(200)
    const signedIn = await browser.signIn(email, password)
    return {
      browser,
      teamId: (signedIn.body.teams as Array<{ id: number }>)[0]?.id ?? 0,
      userId: String((signedIn.body.user as { id: string | number }).id)
    }
  }

  beforeAll(async () => {
    world = await startAccountsWorld()
  })
  afterAll(async () => {
    await world?.close()
  })

  it("records a person as the actor, lets owners read both logs, and refuses members", async () => {
    const alice = await person("alice.logs@people.test")
    const added = await alice.browser.call("POST", "/suppressions", {
      email: "x@example.com",
      reason: "manual"
    })
    expect(added.status, added.text).toBeLessThan(300)
    const audit = await alice.browser.call("GET", "/audit-log?action=suppression.added")
    expect(audit.status, audit.text).toBe(200)
    expect(audit.body.data).toEqual([
      expect.objectContaining({ action: "suppression.added", actor: { kind: "user", id: alice.userId } })
    ])
    const logs = await eventually(
      () => alice.browser.call("GET", "/logs?endpoint=%2Fsuppressions"),
      (res) => (res.body.data as Array<unknown> | undefined)?.length === 1
    )
    expect(logs.body.data).toEqual([
      expect.objectContaining({ method: "POST", apiKeyId: null, actor: { kind: "user", id: alice.userId } })
    ])

    const invited = await alice.browser.call("POST", `/teams/${alice.teamId}/invitations`, {
      email: "bob.logs@people.test",
      role: "member"
    })
    expect(invited.status, invited.text).toBe(201)
    const token = tokenIn(await mailTo(world.sink, "bob.logs@people.test", /invited to join/i, seen))
    const bob = await person("bob.logs@people.test")
    expect((await bob.browser.call("POST", "/teams/join", { token })).status).toBeLessThan(300)
    expect((await bob.browser.call("PUT", "/auth/session/team", { team_id: alice.teamId })).status).toBe(200)
    for (const path of ["/audit-log", "/logs"]) {
      const refused = await bob.browser.call("GET", path)
      expect(refused.status, path).toBe(403)
    }
  })

  it("records a person's sign-ins, password, 2FA and member changes for their team's owner, and no secret", async () => {
    const agent = "AuditWire/1.0 (integration test)"
    const carol = await person("carol.audit@people.test", agent)
    const wrong = await carol.browser.call("POST", "/auth/sign-in", {
      email: "carol.audit@people.test",
      password: "not carol's password"
    })
    expect(wrong.status).toBe(401)
    const newPassword = "a brand new long passphrase"
    const changed = await carol.browser.call("POST", "/account/password", {
      current_password: password,
      new_password: newPassword
    })
    expect(changed.status, changed.text).toBe(200)
    const started = await carol.browser.call("POST", "/account/two-factor")
    expect(started.status, started.text).toBe(201)
    const secret = started.body.secret as string
    const totp = totpAt(secret, currentStep())
    const confirmed = await carol.browser.call("POST", "/account/two-factor/confirm", { code: totp })
    expect(confirmed.status, confirmed.text).toBe(200)
    const backupCodes = confirmed.body.backupCodes as Array<string>

    const invited = await carol.browser.call("POST", `/teams/${carol.teamId}/invitations`, {
      email: "dave.audit@people.test",
      role: "member"
    })
    expect(invited.status, invited.text).toBe(201)
    const invitation = tokenIn(await mailTo(world.sink, "dave.audit@people.test", /invited to join/i, seen))
    const dave = await person("dave.audit@people.test")
    expect((await dave.browser.call("POST", "/teams/join", { token: invitation })).status).toBeLessThan(300)
    const removed = await carol.browser.call("DELETE", `/teams/${carol.teamId}/members/${dave.userId}`)
    expect(removed.status, removed.text).toBeLessThan(300)

    const audit = await carol.browser.call("GET", "/audit-log?per_page=100")
    expect(audit.status, audit.text).toBe(200)
    type Row = {
      action: string
      actor: { kind: string; id: string } | null
      target: { type: string; id: string } | null
      details: Record<string, unknown>
      ipAddress: string | null
      userAgent: string | null
    }
    const rows = audit.body.data as Array<Row>
    const carolActor = { kind: "user", id: carol.userId }
    const byCarol = (action: string) =>
      rows.filter((r) => r.action === action && r.actor?.id === carol.userId)
    for (const action of [
      "account.sign_in_failed",
      "account.signed_in",
      "account.password_changed",
      "account.two_factor_enabled",
      "member.invited",
      "member.removed"
    ]) {
      const found = byCarol(action)
      expect(found.length, action).toBeGreaterThanOrEqual(1)
      for (const row of found) {
        expect(row.actor, action).toEqual(carolActor)
        expect(row.ipAddress, action).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/)
        expect(row.userAgent, action).toBe(agent)
      }
    }
    expect(byCarol("account.sign_in_failed")[0]?.details).toEqual({ method: "password" })
    expect(byCarol("member.removed")[0]?.target).toEqual({ type: "user", id: dave.userId })
    expect(byCarol("member.invited")[0]?.details).toEqual({ email: "dave.audit@people.test", role: "member" })
    expect(rows).toContainEqual(
      expect.objectContaining({ action: "member.joined", actor: { kind: "user", id: dave.userId } })
    )
    for (const secretText of [
      password,
      newPassword,
      "not carol's password",
      secret,
      totp,
      invitation,
      ...backupCodes
    ])
      expect(audit.text.includes(secretText), "a secret in the audit log").toBe(false)
    expect(audit.text.includes(carol.browser.csrf ?? "no csrf")).toBe(false)

    // Someone in another team sees none of it: their log holds their own actions only.
    const erin = await person("erin.audit@people.test")
    const theirs = await erin.browser.call("GET", "/audit-log?per_page=100")
    expect(theirs.status, theirs.text).toBe(200)
    const erinRows = theirs.body.data as Array<Row>
    expect(erinRows.length).toBeGreaterThan(0)
    for (const row of erinRows) expect(row.actor).toEqual({ kind: "user", id: erin.userId })
    for (const id of [carol.userId, dave.userId]) expect(theirs.text.includes(`"${id}"`)).toBe(false)
  })
  it("logs a person's account routes in the team's request log, by route template, with no body or token", async () => {
    const agent = "account-routes-test/1.0"
    const erin = await person("erin.logs@people.test", agent)
    const newPassword = "another correct horse battery"
    expect((await erin.browser.call("PATCH", "/account", { name: "Erin" })).status).toBe(200)
    const changed = await erin.browser.call("POST", "/account/password", {
      current_password: password,
      new_password: newPassword
    })
    expect(changed.status, changed.text).toBe(200)
    expect((await erin.browser.call("GET", "/auth/sessions")).status).toBe(200)
    const wrong = await erin.browser.call("POST", "/account/password", {
      current_password: "not the password at all",
      new_password: "whatever it would be"
    })
    expect(wrong.status).toBe(401)
    const members = await erin.browser.call("GET", `/teams/${erin.teamId}/members`)
    expect(members.status).toBe(200)
    type Row = { method: string; endpoint: string; status: number; actor: unknown; userAgent: string }
    const logs = await eventually(
      () => erin.browser.call("GET", "/logs?per_page=100"),
      (res) =>
        ((res.body.data as Array<Row> | undefined) ?? []).some((r) => r.endpoint === "/teams/:teamId/members")
    )
    const rows = logs.body.data as Array<Row>
    const seenRoutes = rows.map((r) => `${r.method} ${r.endpoint} ${r.status}`)
    expect(seenRoutes).toEqual(
      expect.arrayContaining([
        "PATCH /account 200",
        "POST /account/password 200",
        "POST /account/password 401",
        "GET /auth/sessions 200",
        "GET /teams/:teamId/members 200"
      ])
    )
    for (const row of rows) {
      expect(row.actor).toEqual({ kind: "user", id: erin.userId })
      expect(row.userAgent).toBe(agent)
    }
    // Nothing typed, no cookie and no CSRF token reach it.
    const stored = JSON.stringify(rows)
    for (const secret of [
      password,
      newPassword,
      erin.browser.csrf ?? "csrf",
      erin.browser.cookie ?? "cookie"
    ])
      expect(stored).not.toContain(secret)
    // Another team's log shows none of it.
    const other = await person("fred.logs@people.test")
    const theirs = await other.browser.call("GET", "/logs?per_page=100")
    expect(JSON.stringify(theirs.body.data)).not.toContain(erin.userId)
  })
})
