import { PgDatabase } from "@poststack/adapters-persistence"
import { periodicTasks } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { query } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { purgeLayers } from "../support/purgeLayers.js"
import { currentStep, totpAt } from "../support/totp.js"
import { Browser, mailTo, tokenIn } from "./browser.js"
import { type AccountsWorld, startAccountsWorld } from "./harness.js"

const DAY = 86_400_000

describe("closing a team (P25, P27)", () => {
  let world: AccountsWorld
  let purge: ManagedRuntime.ManagedRuntime<never, unknown>
  const seen = new Set<number>()
  const password = "correct horse battery staple"
  const task = periodicTasks.find((t) => t.name === "logs.purge")
  const purgeAt = (now: number) =>
    purge.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(now)
        yield* (task?.run ?? Effect.die("no logs.purge task")) as Effect.Effect<void>
      }).pipe(Effect.provide(TestContext.TestContext))
    )

  const person = async (email: string) => {
    const browser = new Browser(world.server.baseUrl)
    expect((await browser.call("POST", "/auth/sign-up", { email, password })).status).toBe(202)
    const token = tokenIn(await mailTo(world.sink, email, /confirm your email/i, seen))
    expect((await browser.call("POST", "/auth/verify-email", { token })).status).toBe(200)
    const signedIn = await browser.signIn(email, password)
    return { browser, teamId: (signedIn.body.teams as Array<{ id: number }>)[0]?.id ?? 0 }
  }
  const count = async (table: string, teamId: number) =>
    (
      await query<{ n: number }>(world.db.url, `SELECT count(*)::int AS n FROM ${table} WHERE team_id = $1`, [
        teamId
      ])
    )[0]?.n

  beforeAll(async () => {
    world = await startAccountsWorld()
    purge = ManagedRuntime.make(
      purgeLayers.pipe(Layer.provide(PgDatabase.layer(Redacted.make(world.db.url), { maxConnections: 2 })))
    ) as ManagedRuntime.ManagedRuntime<never, unknown>
  })
  afterAll(async () => {
    await purge?.dispose()
    await world?.close()
  })

  it("an owner closes with their password: sending stops, mail waiting is cancelled, data goes two weeks later, billing records stay", async () => {
    const olga = await person("olga.close@people.test")
    const team = olga.teamId
    const created = await olga.browser.call("POST", "/api-keys", { name: "ci", permission: "full_access" })
    expect(created.status, created.text).toBe(201)
    const key = String(created.body.key)
    await addVerifiedDomain(world.server.baseUrl, key, world.dns, "olga.test")
    const scheduled = await callApi(world.server.baseUrl, key, "POST", "/emails", {
      from: "news@olga.test",
      to: ["reader@example.com"],
      subject: "Later",
      text: "later",
      scheduled_at: new Date(Date.now() + DAY).toISOString()
    })
    expect(scheduled.status).toBe(202)
    expect(
      (await callApi(world.server.baseUrl, key, "POST", "/contacts", { email: "c@example.com" })).status
    ).toBe(201)
    expect(
      (
        await callApi(world.server.baseUrl, key, "POST", "/suppressions", {
          email: "s@example.com",
          reason: "manual"
        })
      ).status
    ).toBe(200)
    await query(
      world.db.url,
      "INSERT INTO billing_records (team_id, kind, detail, created_at) VALUES ($1, 'invoice_paid', '{}'::jsonb, now())",
      [team]
    )

    // A member may not; a wrong password changes nothing.
    const invited = await olga.browser.call("POST", `/teams/${team}/invitations`, {
      email: "mia.close@people.test",
      role: "admin"
    })
    expect(invited.status, invited.text).toBe(201)
    const token = tokenIn(await mailTo(world.sink, "mia.close@people.test", /invited to join/i, seen))
    const mia = await person("mia.close@people.test")
    expect((await mia.browser.call("POST", "/teams/join", { token })).status).toBeLessThan(300)
    const byAdmin = await mia.browser.call("POST", `/teams/${team}/close`, { password })
    expect(byAdmin.status).toBe(403)
    const wrong = await olga.browser.call("POST", `/teams/${team}/close`, { password: "not it" })
    expect(wrong.status).toBe(401)
    expect((await callApi(world.server.baseUrl, key, "GET", "/api-keys")).status).toBe(200)

    const closed = await olga.browser.call("POST", `/teams/${team}/close`, { password })
    expect(closed.status, closed.text).toBe(200)
    expect(closed.body).toMatchObject({ closed: true, keysRevoked: 1, emailsCancelled: 1 })
    const closedAt = new Date(String(closed.body.closedAt)).getTime()
    expect(new Date(String(closed.body.deletionAfter)).getTime() - closedAt).toBe(14 * DAY)

    // At once: the key is gone, the scheduled mail cancelled, the team out of everyone's reach.
    const refused = await callApi(world.server.baseUrl, key, "POST", "/emails", {
      from: "news@olga.test",
      to: ["reader@example.com"],
      subject: "Now",
      text: "now"
    })
    // Told why: the key's team was closed (403 team_closed), not a mistyped key.
    expect(refused.status, JSON.stringify(refused.body)).toBe(403)
    expect(refused.body.code).toBe("team_closed")
    expect(String(refused.body.error)).toMatch(/team that was closed/)
    const mistyped = await callApi(world.server.baseUrl, `${key.slice(0, -4)}abcd`, "GET", "/api-keys")
    expect(mistyped.status).toBe(401)
    expect(mistyped.body.code).toBe("unauthorized")
    const statuses = await query<{ status: string }>(
      world.db.url,
      "SELECT d.status FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE e.public_id = $1",
      [scheduled.body.id]
    )
    expect(statuses).toEqual([{ status: "cancelled" }])
    for (const who of [olga, mia]) {
      const teams = await who.browser.call("GET", "/teams")
      expect((teams.body.data as Array<{ id: number }>).map((t) => t.id)).not.toContain(team)
      expect((await who.browser.call("GET", `/teams/${team}/members`)).status).toBe(404)
    }

    // Thirteen days on, the data is still there; fifteen days on, everything but billing records is gone.
    await purgeAt(closedAt + 13 * DAY)
    expect(await count("contacts", team)).toBe(1)
    await purgeAt(closedAt + 15 * DAY)
    for (const table of ["contacts", "suppressions", "emails", "deliveries", "domains", "audit_log"])
      expect(await count(table, team), table).toBe(0)
    expect((await query(world.db.url, "SELECT id FROM teams WHERE id = $1", [team])).length).toBe(0)
    // Nothing is left pointing at the team's deleted emails.
    for (const table of ["deliveries", "email_events", "email_attachments"]) {
      const [orphans] = await query<{ n: number }>(
        world.db.url,
        `SELECT count(*)::int AS n FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM emails e WHERE e.id = t.email_id)`
      )
      expect(orphans?.n, table).toBe(0)
    }
    expect(await count("billing_records", team)).toBe(1)
    // With the team's data gone, its old key is just unknown.
    expect((await callApi(world.server.baseUrl, key, "GET", "/api-keys")).status).toBe(401)
    // The people stay: closing a team is not deleting an account (the moved clock ended their sessions).
    const people = await query<{ email: string }>(
      world.db.url,
      "SELECT email FROM users WHERE email IN ('olga.close@people.test', 'mia.close@people.test') ORDER BY email"
    )
    expect(people.map((p) => p.email)).toEqual(["mia.close@people.test", "olga.close@people.test"])
    expect(await count("memberships", mia.teamId)).toBe(1)
  }, 120_000)
  it("a person deletes their own account: refused while the only owner of a shared team; solo teams close with it", async () => {
    const pia = await person("pia.delete@people.test")
    const invited = await pia.browser.call("POST", `/teams/${pia.teamId}/invitations`, {
      email: "quinn.delete@people.test",
      role: "member"
    })
    expect(invited.status, invited.text).toBe(201)
    const token = tokenIn(await mailTo(world.sink, "quinn.delete@people.test", /invited to join/i, seen))
    const quinn = await person("quinn.delete@people.test")
    expect((await quinn.browser.call("POST", "/teams/join", { token })).status).toBeLessThan(300)

    const refused = await pia.browser.call("POST", "/account/delete", { password })
    expect(refused.status).toBe(409)
    expect(refused.body.code).toBe("last_owner")
    expect(String(refused.body.error)).toMatch(/only owner of .*other members/)
    expect((await quinn.browser.call("POST", "/account/delete", { password: "not it" })).status).toBe(401)

    const deleted = await quinn.browser.call("POST", "/account/delete", { password })
    expect(deleted.status, deleted.text).toBe(200)
    expect(deleted.body).toEqual({ deleted: true, teamsClosed: [quinn.teamId] })
    expect(
      await query(world.db.url, "SELECT id FROM users WHERE email = 'quinn.delete@people.test'")
    ).toEqual([])
    const [closedTeam] = await query<{ closed: boolean }>(
      world.db.url,
      "SELECT closed_at IS NOT NULL AS closed FROM teams WHERE id = $1",
      [quinn.teamId]
    )
    expect(closedTeam?.closed).toBe(true)
    expect((await quinn.browser.call("GET", "/account")).status).toBe(401)
    const audit = await pia.browser.call("GET", "/audit-log?action=account.deleted")
    expect(audit.status, audit.text).toBe(200)
    expect((audit.body.data as Array<unknown>).length).toBe(1)

    // Alone in her team now, Pia may go, and her team is closed with her.
    const gone = await pia.browser.call("POST", "/account/delete", { password })
    expect(gone.status, gone.text).toBe(200)
    expect(gone.body).toEqual({ deleted: true, teamsClosed: [pia.teamId] })
  }, 120_000)
  it("with two-factor on, closing a team and deleting the account ask for a current code as well as the password", async () => {
    const tom = await person("tom.twofactor@people.test")
    const started = await tom.browser.call("POST", "/account/two-factor")
    expect(started.status, started.text).toBe(201)
    const secret = String(started.body.secret)
    const step = currentStep()
    const confirmed = await tom.browser.call("POST", "/account/two-factor/confirm", {
      code: totpAt(secret, step)
    })
    expect(confirmed.status, confirmed.text).toBe(200)
    const backupCodes = confirmed.body.backupCodes as Array<string>
    const open = async () =>
      (await query(world.db.url, "SELECT id FROM teams WHERE id = $1 AND closed_at IS NULL", [tom.teamId]))
        .length

    // The password alone, a wrong code, or a code already used: refused, nothing closed.
    const bare = await tom.browser.call("POST", `/teams/${tom.teamId}/close`, { password })
    expect(bare.status).toBe(401)
    expect(String(bare.body.error)).toMatch(/two-factor/i)
    const wrongCode = await tom.browser.call("POST", `/teams/${tom.teamId}/close`, {
      password,
      code: "000000"
    })
    expect(wrongCode.status).toBe(401)
    const usedUp = await tom.browser.call("POST", `/teams/${tom.teamId}/close`, {
      password,
      code: totpAt(secret, step)
    })
    expect(usedUp.status).toBe(401)
    // A right code with a wrong password is refused too.
    const wrongPassword = await tom.browser.call("POST", `/teams/${tom.teamId}/close`, {
      password: "not it",
      code: totpAt(secret, step + 1)
    })
    expect(wrongPassword.status).toBe(401)
    expect(await open()).toBe(1)
    const deleteBare = await tom.browser.call("POST", "/account/delete", { password })
    expect(deleteBare.status).toBe(401)
    expect(
      await query(world.db.url, "SELECT id FROM users WHERE email = 'tom.twofactor@people.test'")
    ).toHaveLength(1)

    // Password and a backup code close the team; password and a fresh TOTP code delete the account.
    const closed = await tom.browser.call("POST", `/teams/${tom.teamId}/close`, {
      password,
      code: backupCodes[0]
    })
    expect(closed.status, closed.text).toBe(200)
    expect(await open()).toBe(0)
    const deleted = await tom.browser.call("POST", "/account/delete", {
      password,
      code: totpAt(secret, step + 1)
    })
    expect(deleted.status, deleted.text).toBe(200)
    expect(
      await query(world.db.url, "SELECT id FROM users WHERE email = 'tom.twofactor@people.test'")
    ).toEqual([])
  }, 120_000)
})
