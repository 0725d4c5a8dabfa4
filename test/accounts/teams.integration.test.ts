import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Browser, mailTo, tokenIn } from "./browser.js"
import { type AccountsWorld, startAccountsWorld } from "./harness.js"

describe("accounts: teams, invitations, roles and isolation", () => {
  let world: AccountsWorld
  const seen = new Set<number>()
  const password = "correct horse battery staple"
  let alice: Browser
  let aliceTeam: number

  const person = async (email: string) => {
    const browser = new Browser(world.server.baseUrl)
    expect((await browser.call("POST", "/auth/sign-up", { email, password })).status).toBe(202)
    const token = tokenIn(await mailTo(world.sink, email, /confirm your email/i, seen))
    expect((await browser.call("POST", "/auth/verify-email", { token })).status).toBe(200)
    const signedIn = await browser.signIn(email, password)
    return { browser, teamId: (signedIn.body.teams as Array<{ id: number }>)[0]?.id ?? 0 }
  }
  const invite = async (email: string, role: string) => {
    const res = await alice.call("POST", `/teams/${aliceTeam}/invitations`, { email, role })
    expect(res.status, res.text).toBe(201)
    return tokenIn(await mailTo(world.sink, email, /invited to join/i, seen))
  }
  const memberId = async (email: string) => {
    const members = (await alice.call("GET", `/teams/${aliceTeam}/members`)).body.data as Array<{
      userId: string
      email: string
    }>
    return members.find((m) => m.email === email)?.userId ?? ""
  }

  beforeAll(async () => {
    world = await startAccountsWorld()
    const a = await person("alice@people.test")
    alice = a.browser
    aliceTeam = a.teamId
  })
  afterAll(async () => {
    await world?.close()
  })

  it("lets a second person join by a mailed, single-use invitation, and act on the team with a member's limits", async () => {
    const token = await invite("bob@people.test", "member")
    const invitations = (await alice.call("GET", `/teams/${aliceTeam}/invitations`)).body.data as Array<{
      email: string
      status: string
    }>
    expect(invitations).toEqual([expect.objectContaining({ email: "bob@people.test", status: "pending" })])

    const bob = await person("bob@people.test")
    const joined = await bob.browser.call("POST", "/teams/join", { token })
    expect(joined.status, joined.text).toBe(200)
    expect(joined.body).toMatchObject({ id: aliceTeam, role: "member" })
    expect((await bob.browser.call("POST", "/teams/join", { token })).status).toBe(422)
    const carol = await person("carol@people.test")
    expect((await carol.browser.call("POST", "/teams/join", { token })).status).toBe(422)

    const teams = (await bob.browser.call("GET", "/teams")).body.data as Array<{ id: number; role: string }>
    expect(teams.map((t) => t.role).sort()).toEqual(["member", "owner"])
    expect((await bob.browser.call("PUT", "/auth/session/team", { team_id: aliceTeam })).status).toBe(200)

    // A member reads the team's resources but manages neither keys nor members.
    expect((await bob.browser.call("GET", "/domains")).status).toBe(200)
    const keys = await bob.browser.call("GET", "/api-keys")
    expect(keys.status).toBe(403)
    expect(keys.body).toEqual({ error: "Only owners and admins can manage API keys", code: "forbidden" })
    expect(
      (await bob.browser.call("POST", "/api-keys", { name: "x", permission: "sending_access" })).status
    ).toBe(403)
    expect(
      (
        await bob.browser.call("POST", `/teams/${aliceTeam}/invitations`, {
          email: "eve@people.test",
          role: "member"
        })
      ).status
    ).toBe(403)
    expect((await bob.browser.call("GET", `/teams/${aliceTeam}/invitations`)).status).toBe(403)
    const aliceId = await memberId("alice@people.test")
    expect(
      (await bob.browser.call("PATCH", `/teams/${aliceTeam}/members/${aliceId}`, { role: "member" })).status
    ).toBe(403)
    expect((await bob.browser.call("DELETE", `/teams/${aliceTeam}/members/${aliceId}`)).status).toBe(403)
    // Sending mail is done with an API key, not a session.
    const send = await bob.browser.call("POST", "/emails", {
      from: "a@system.test",
      to: ["x@people.test"],
      subject: "s",
      text: "t"
    })
    expect(send.status).toBe(403)

    // Made an admin, Bob manages keys.
    const bobId = await memberId("bob@people.test")
    const promoted = await alice.call("PATCH", `/teams/${aliceTeam}/members/${bobId}`, { role: "admin" })
    expect(promoted.status, promoted.text).toBe(200)
    expect((await bob.browser.call("GET", "/api-keys")).status).toBe(200)
    // An admin may not make owners nor touch the owner.
    expect(
      (await bob.browser.call("PATCH", `/teams/${aliceTeam}/members/${bobId}`, { role: "owner" })).status
    ).toBe(403)
    expect((await bob.browser.call("DELETE", `/teams/${aliceTeam}/members/${aliceId}`)).status).toBe(403)
  })

  it("always keeps an owner", async () => {
    const aliceId = await memberId("alice@people.test")
    const demote = await alice.call("PATCH", `/teams/${aliceTeam}/members/${aliceId}`, { role: "admin" })
    expect(demote.status).toBe(422)
    expect(demote.body.error).toMatch(/keep an owner/)
    expect((await alice.call("DELETE", `/teams/${aliceTeam}/members/${aliceId}`)).status).toBe(422)
    const members = (await alice.call("GET", `/teams/${aliceTeam}/members`)).body.data as Array<{
      role: string
    }>
    expect(members.filter((m) => m.role === "owner")).toHaveLength(1)
  })

  it("refuses expired and revoked invitations", async () => {
    const revokedToken = await invite("dave@people.test", "member")
    const list = (await alice.call("GET", `/teams/${aliceTeam}/invitations`)).body.data as Array<{
      id: string
      email: string
    }>
    const id = list.find((i) => i.email === "dave@people.test")?.id ?? ""
    expect((await alice.call("DELETE", `/teams/${aliceTeam}/invitations/${id}`)).status).toBe(200)
    const dave = await person("dave@people.test")
    expect((await dave.browser.call("POST", "/teams/join", { token: revokedToken })).status).toBe(422)

    const expiring = await invite("dave@people.test", "member")
    const { query } = await import("../support/database.js")
    await query(
      world.db.url,
      "UPDATE invitations SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL AND accepted_at IS NULL"
    )
    expect((await dave.browser.call("POST", "/teams/join", { token: expiring })).status).toBe(422)
    expect(((await dave.browser.call("GET", "/teams")).body.data as Array<unknown>).length).toBe(1)
  })

  it("keeps teams apart: another person's team is not found, and their session sees only their own resources", async () => {
    const erin = await person("erin@people.test")
    for (const [method, path, body] of [
      ["GET", `/teams/${aliceTeam}/members`, undefined],
      ["GET", `/teams/${aliceTeam}/invitations`, undefined],
      ["POST", `/teams/${aliceTeam}/invitations`, { email: "erin2@people.test", role: "owner" }],
      ["PUT", "/auth/session/team", { team_id: aliceTeam }]
    ] as const) {
      const res = await erin.browser.call(method, path, body)
      expect(res.status, `${method} ${path}`).toBe(404)
    }
    // Alice's team has a key (made here); Erin's session lists only her own team's keys.
    expect(
      (await alice.call("POST", "/api-keys", { name: "alice ci", permission: "sending_access" })).status
    ).toBe(201)
    expect((await erin.browser.call("GET", "/api-keys")).body.keys).toEqual([])
    const sessions = (await erin.browser.call("GET", "/auth/sessions")).body.data as Array<{ id: string }>
    const aliceSessions = (await alice.call("GET", "/auth/sessions")).body.data as Array<{ id: string }>
    expect(sessions.length).toBe(1)
    // Another person's session cannot be revoked.
    expect((await erin.browser.call("DELETE", `/auth/sessions/${aliceSessions[0]?.id}`)).status).toBe(404)
    expect((await alice.call("GET", "/account")).status).toBe(200)
  })

  it("refuses team and person names with line breaks: an invitation's subject names the team", async () => {
    const grace = await person("grace@people.test")
    for (const name of ["x\r\nBcc: evil@example.com", "a\nb", "tab\there"]) {
      const team = await grace.browser.call("POST", "/teams", { name })
      expect({ name, status: team.status, code: team.body.code }).toEqual({
        name,
        status: 400,
        code: "invalid_request"
      })
      const account = await grace.browser.call("PATCH", "/account", { name })
      expect({ name, status: account.status }).toEqual({ name, status: 400 })
    }
    expect((await grace.browser.call("POST", "/teams", { name: "Grace & co — ünïcode" })).status).toBe(201)
  })

  it("refuses a team id past the database's integers as a 400, not a 503", async () => {
    const frank = await person("frank@people.test")
    for (const teamId of [2_147_483_648, 9_007_199_254_740_991]) {
      const res = await frank.browser.call("PUT", "/auth/session/team", { team_id: teamId })
      expect({ teamId, status: res.status, code: res.body.code }).toEqual({
        teamId,
        status: 400,
        code: "invalid_request"
      })
    }
  })
})
