import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launch } from "../apps/processes.js"
import { callApi } from "../support/api.js"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startTestServer, TEST_ENCRYPTION_KEY, type TestServer } from "../support/server.js"

const DAY = 86_400_000

describe("poststack teams close --team N [--yes]", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let key: string
  let teamId: number

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    key = (await server.bootstrap()) ?? ""
    const [team] = await query<{ id: number }>(db.url, "SELECT min(id)::int AS id FROM teams")
    teamId = team?.id ?? 0
    await addVerifiedDomain(server.baseUrl, key, dns, "closing.test")
  })
  afterAll(async () => {
    await server?.close()
    await dns?.close()
    await db?.drop()
  })

  const run = async (args: ReadonlyArray<string>) => {
    const cli = launch(
      "apps/server/src/cli.ts",
      { DATABASE_URL: db.url, POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY },
      ["teams", "close", ...args]
    )
    return { code: await cli.exited, output: cli.output() }
  }
  const closedAt = async () =>
    (
      await query<{ closed_at: Date | null }>(db.url, "SELECT closed_at FROM teams WHERE id = $1", [teamId])
    )[0]?.closed_at ?? null

  it("refuses without --yes off a terminal, then closes as the route does: keys, waiting mail, purge date, audit entry", async () => {
    const scheduled = await callApi(server.baseUrl, key, "POST", "/emails", {
      from: "news@closing.test",
      to: ["reader@example.com"],
      subject: "Tomorrow",
      text: "later",
      scheduled_at: new Date(Date.now() + DAY).toISOString()
    })
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(202)

    // Not a terminal and no --yes: nothing changes.
    const unsure = await run(["--team", String(teamId)])
    expect(unsure.code).toBe(1)
    expect(unsure.output).toContain("run again with --yes")
    expect(await closedAt()).toBeNull()
    expect((await callApi(server.baseUrl, key, "GET", "/api-keys")).status).toBe(200)

    const closed = await run(["--team", String(teamId), "--yes"])
    expect(closed.code, closed.output).toBe(0)
    expect(closed.output).toMatch(
      new RegExp(`Closed team ${teamId} \\(.+\\): 1 key\\(s\\) revoked, 1 waiting email\\(s\\) cancelled`)
    )
    const at = await closedAt()
    expect(at).not.toBeNull()
    const after = /deleted after (\S+) \(billing records stay\)/.exec(closed.output)?.[1] ?? ""
    expect(new Date(after).getTime() - (at?.getTime() ?? 0)).toBe(14 * DAY)

    // The key is refused with the closed team's own code; the waiting mail is cancelled.
    const refused = await callApi(server.baseUrl, key, "POST", "/emails", {
      from: "news@closing.test",
      to: ["reader@example.com"],
      subject: "Now",
      text: "now"
    })
    expect(refused.status, JSON.stringify(refused.body)).toBe(403)
    expect(refused.body.code).toBe("team_closed")
    const statuses = await query<{ status: string }>(
      db.url,
      "SELECT d.status FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE e.public_id = $1",
      [scheduled.body.id]
    )
    expect(statuses).toEqual([{ status: "cancelled" }])
    const audit = await query<{ actor_kind: string; target_id: string }>(
      db.url,
      "SELECT actor_kind, target_id FROM audit_log WHERE team_id = $1 AND action = 'team.closed'",
      [teamId]
    )
    expect(audit).toEqual([{ actor_kind: "operator", target_id: String(teamId) }])

    // Again: said so, nothing changes, no second audit entry.
    const again = await run(["--team", String(teamId), "--yes"])
    expect(again.code, again.output).toBe(0)
    expect(again.output).toContain("was closed already")
    expect((await closedAt())?.getTime()).toBe(at?.getTime())
    expect(
      await query(db.url, "SELECT id FROM audit_log WHERE team_id = $1 AND action = 'team.closed'", [teamId])
    ).toHaveLength(1)
  }, 300_000)

  it("refuses a team that does not exist with one line and exit 1", async () => {
    const noTeam = await run(["--team", "999999", "--yes"])
    expect(noTeam.code).toBe(1)
    expect(noTeam.output).toContain("No team 999999")
  }, 300_000)
})
