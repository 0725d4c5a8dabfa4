import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launch } from "../apps/processes.js"
import { createTestDatabase, query } from "../support/database.js"
import { startTestServer, TEST_ENCRYPTION_KEY, type TestServer } from "../support/server.js"

const PASSWORD = "correct horse battery staple"

describe("poststack teams add-member TEAM EMAIL ROLE", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let operatorsTeam: number

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startTestServer({ databaseUrl: db.url })
    await server.bootstrap()
    const [team] = await query<{ id: number }>(db.url, "SELECT min(id)::int AS id FROM teams")
    operatorsTeam = team?.id ?? 0
    for (const email of ["ann@people.test", "bob@people.test"]) {
      const res = await fetch(`${server.baseUrl}/auth/sign-up`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email, password: PASSWORD })
      })
      expect(res.status, await res.text()).toBe(202)
    }
  })
  afterAll(async () => {
    await server?.close()
    await db?.drop()
  })

  const run = async (args: ReadonlyArray<string>) => {
    const cli = launch(
      "apps/server/src/cli.ts",
      { DATABASE_URL: db.url, POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY },
      ["teams", "add-member", ...args]
    )
    return { code: await cli.exited, output: cli.output() }
  }
  const userId = async (email: string) =>
    (await query<{ id: string }>(db.url, "SELECT id::text FROM users WHERE email = $1", [email]))[0]?.id ?? ""
  const roleIn = async (teamId: number, email: string) =>
    (
      await query<{ role: string }>(
        db.url,
        "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 AND u.email = $2",
        [teamId, email]
      )
    )[0]?.role ?? null
  const audit = (teamId: number) =>
    query<{ action: string; actor_kind: string; target_id: string; details: Record<string, unknown> }>(
      db.url,
      `SELECT action, actor_kind, target_id, details FROM audit_log
       WHERE team_id = $1 AND action IN ('member.joined', 'member.role_changed') ORDER BY id`,
      [teamId]
    )
  const ownTeam = async (email: string) =>
    (
      await query<{ team_id: number }>(
        db.url,
        "SELECT m.team_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1 AND m.role = 'owner'",
        [email]
      )
    )[0]?.team_id ?? 0

  it("adds a person with a role, then changes it, each once in the team's audit log as the operator", async () => {
    const ann = await userId("ann@people.test")
    // The operator's team has had no person in it: its first member is its owner.
    const ownerless = await run([String(operatorsTeam), "ann@people.test", "admin"])
    expect(ownerless.code).toBe(1)
    expect(ownerless.output).toContain(`Team ${operatorsTeam} has no owner: make someone its owner first`)
    expect(await roleIn(operatorsTeam, "ann@people.test")).toBeNull()
    const bob = await run([String(operatorsTeam), "bob@people.test", "owner"])
    expect(bob.output).toContain("as owner.")

    // The address as the person might type it: found whatever its case.
    const added = await run([String(operatorsTeam), "Ann@People.test", "admin"])
    expect(added.code, added.output).toBe(0)
    expect(added.output).toMatch(
      new RegExp(`Added ann@people\\.test \\(${ann}\\) to team ${operatorsTeam} \\(.+\\) as admin\\.`)
    )
    expect(await roleIn(operatorsTeam, "ann@people.test")).toBe("admin")

    const again = await run([String(operatorsTeam), "ann@people.test", "admin"])
    expect(again.code, again.output).toBe(0)
    expect(again.output).toContain("as admin already: nothing changed")

    const changed = await run([String(operatorsTeam), "ann@people.test", "member"])
    expect(changed.code, changed.output).toBe(0)
    expect(changed.output).toContain("their role is now member (was admin)")
    expect(await roleIn(operatorsTeam, "ann@people.test")).toBe("member")

    expect(await audit(operatorsTeam)).toEqual([
      {
        action: "member.joined",
        actor_kind: "operator",
        target_id: await userId("bob@people.test"),
        details: { role: "owner" }
      },
      { action: "member.joined", actor_kind: "operator", target_id: ann, details: { role: "admin" } },
      {
        action: "member.role_changed",
        actor_kind: "operator",
        target_id: ann,
        details: { from: "admin", to: "member" }
      }
    ])
  }, 300_000)

  it("refuses, with one line and exit 1, what it cannot do, changing nothing", async () => {
    // A team with no person in it, as the default team starts: a first member must be its owner.
    const [empty] = await query<{ id: number }>(
      db.url,
      "INSERT INTO teams (name) VALUES ('Empty') RETURNING id"
    )
    const before = await query(db.url, "SELECT team_id, user_id, role FROM memberships ORDER BY 1, 2")
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [[String(operatorsTeam), "nobody@people.test", "admin"], "No person signed up as nobody@people.test"],
      [["999999", "ann@people.test", "admin"], "No team 999999"],
      [
        [String(empty?.id), "ann@people.test", "admin"],
        `Team ${empty?.id} has no owner: make someone its owner first`
      ],
      // Past the ids a team can have: no team, not a database that seems down.
      [["99999999999", "ann@people.test", "admin"], "No team 99999999999"],
      // Ann is the only owner of her own team: demoting her would leave it without one.
      [[String(await ownTeam("ann@people.test")), "ann@people.test", "member"], "is the last owner of team"],
      [
        [String(operatorsTeam), "ann@people.test", "king"],
        "one of the following cases: owner, admin, member"
      ],
      [["first", "ann@people.test", "admin"], "'first' is not a integer"]
    ]
    for (const [args, expected] of cases) {
      const res = await run(args)
      expect({ args, code: res.code }).toEqual({ args, code: 1 })
      expect(res.output, args.join(" ")).toContain(expected)
    }
    expect(await query(db.url, "SELECT team_id, user_id, role FROM memberships ORDER BY 1, 2")).toEqual(
      before
    )
  }, 300_000)

  it("never puts anyone into a closed team", async () => {
    const bobs = await ownTeam("bob@people.test")
    await query(db.url, "UPDATE teams SET closed_at = now() WHERE id = $1", [bobs])
    const res = await run([String(bobs), "ann@people.test", "admin"])
    expect(res.code).toBe(1)
    expect(res.output).toContain(`Team ${bobs} is closed`)
    expect(await roleIn(bobs, "ann@people.test")).toBeNull()
    expect(await audit(bobs)).toEqual([])
  }, 300_000)
})
