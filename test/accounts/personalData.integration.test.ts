import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Browser, mailTo, tokenIn } from "./browser.js"
import { type AccountsWorld, startAccountsWorld } from "./harness.js"
import { query } from "../support/database.js"

describe("a person's own data (P36): GET /account/export", () => {
  let world: AccountsWorld
  const seen = new Set<number>()
  const password = "correct horse battery staple"

  const person = async (email: string, agent: string) => {
    const browser = new Browser(world.server.baseUrl, { "user-agent": agent })
    expect(
      (await browser.call("POST", "/auth/sign-up", { email, password, name: email.split("@")[0] })).status
    ).toBe(202)
    const token = tokenIn(await mailTo(world.sink, email, /confirm your email/i, seen))
    expect((await browser.call("POST", "/auth/verify-email", { token })).status).toBe(200)
    const signedIn = await browser.signIn(email, password)
    return {
      browser,
      teamId: (signedIn.body.teams as Array<{ id: number }>)[0]?.id ?? 0,
      userId: String((signedIn.body.user as { id: string }).id)
    }
  }

  beforeAll(async () => {
    world = await startAccountsWorld()
  })
  afterAll(async () => {
    await world?.close()
  })

  it("answers the account, teams, sessions and audit entries about the person, and nothing secret or of others", async () => {
    const carol = await person("carol.data@people.test", "CarolPhone/1.0")
    const dave = await person("dave.data@people.test", "DaveDesk/2.0")
    // Carol invites someone: her own entry, without the invitee's address.
    expect(
      (
        await carol.browser.call("POST", `/teams/${carol.teamId}/invitations`, {
          email: "erin.other@people.test",
          role: "member"
        })
      ).status
    ).toBe(201)
    // Dave invites Carol to his team and makes her an admin: entries about her, done by him.
    const invited = await dave.browser.call("POST", `/teams/${dave.teamId}/invitations`, {
      email: "carol.data@people.test",
      role: "member"
    })
    expect(invited.status, invited.text).toBe(201)
    const token = tokenIn(await mailTo(world.sink, "carol.data@people.test", /invited to join/i, seen))
    expect((await carol.browser.call("POST", "/teams/join", { token })).status).toBeLessThan(300)
    const promoted = await dave.browser.call("PATCH", `/teams/${dave.teamId}/members/${carol.userId}`, {
      role: "admin"
    })
    expect(promoted.status, promoted.text).toBe(200)

    const res = await fetch(`${world.server.baseUrl}/account/export`, {
      headers: { cookie: carol.browser.cookie ?? "" }
    })
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toMatch(/^application\/json/)
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="poststack-personal-data-${carol.userId}.json"`
    )
    const text = await res.text()
    const archive = JSON.parse(text) as {
      format: string
      account: Record<string, unknown>
      teams: Array<{ id: number; role: string }>
      sessions: Array<{ userAgent: string | null }>
      auditLog: Array<{
        action: string
        actor: { kind: string; id?: string } | null
        address: string | null
        userAgent: string | null
      }>
    }
    expect(archive.format).toBe("poststack.personal-data.v1")
    expect(archive.account).toMatchObject({
      id: carol.userId,
      email: "carol.data@people.test",
      passwordSet: true,
      twoFactorEnabled: false
    })
    expect(archive.teams.map((t) => [t.id, t.role]).sort()).toEqual(
      [
        [carol.teamId, "owner"],
        [dave.teamId, "admin"]
      ].sort()
    )
    expect(archive.sessions.map((s) => s.userAgent)).toContain("CarolPhone/1.0")
    expect(archive.auditLog.map((e) => e.action)).toEqual(expect.arrayContaining(["member.role_changed"]))
    const byDave = archive.auditLog.find((e) => e.action === "member.role_changed")
    expect(byDave?.actor).toEqual({ kind: "user" })
    expect(byDave?.userAgent).toBeNull()
    // Nothing secret, nothing of Dave's.
    const [stored] = await query<{ password_hash: string }>(
      world.db.url,
      "SELECT password_hash FROM users WHERE email = 'carol.data@people.test'"
    )
    expect(text).not.toContain(stored?.password_hash ?? "no hash stored")
    expect(archive.auditLog.map((e) => e.action)).toContain("member.invited")
    for (const secret of [
      "erin.other@people.test",
      "$argon2",
      "tokenHash",
      "passwordHash",
      "sealed",
      "dave.data@people.test",
      dave.userId,
      "DaveDesk"
    ])
      expect(text, secret).not.toContain(secret)

    // Keys and the signed-out get nothing.
    expect((await fetch(`${world.server.baseUrl}/account/export`)).status).toBe(401)
    const withKey = await fetch(`${world.server.baseUrl}/account/export`, {
      headers: { authorization: `Bearer ${world.key}` }
    })
    expect(withKey.status).toBe(403)
  })
})
