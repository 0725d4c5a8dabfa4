import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Browser, mailTo, tokenIn } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { eventually } from "../support/webhookReceiver.js"

describe("the logs with people signed in to the dashboard", () => {
  let world: AccountsWorld
  const seen = new Set<number>()
  const password = "correct horse battery staple"

  const person = async (email: string) => {
    const browser = new Browser(world.server.baseUrl)
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
    const audit = await alice.browser.call("GET", "/audit-log")
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
})
