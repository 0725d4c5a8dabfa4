import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launch } from "../apps/processes.js"
import { callApi } from "../support/api.js"
import { createTestDatabase, query } from "../support/database.js"
import { startTestServer, TEST_ENCRYPTION_KEY, type TestServer } from "../support/server.js"

describe("poststack privacy export|erase ADDRESS --team N", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let key: string
  let teamId: number
  const dir = mkdtempSync(path.join(tmpdir(), "privacy-cli-"))

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startTestServer({ databaseUrl: db.url })
    key = (await server.bootstrap()) ?? ""
    const [team] = await query<{ id: number }>(db.url, "SELECT min(id)::int AS id FROM teams")
    teamId = team?.id ?? 0
    for (const email of ["cli.subject@example.com", "joanne.cli.subject@example.com"])
      expect(
        (await callApi(server.baseUrl, key, "POST", "/contacts", { email, first_name: "Cli" })).status
      ).toBe(201)
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  const run = async (args: ReadonlyArray<string>) => {
    const cli = launch(
      "apps/server/src/cli.ts",
      { DATABASE_URL: db.url, POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, POSTSTACK_DATA_DIR: dir },
      ["privacy", ...args]
    )
    return { code: await cli.exited, output: cli.output() }
  }

  it("exports to a file, then erases with a progress line and a report; the API shows both jobs", async () => {
    const out = path.join(dir, "export.json")
    const exported = await run(["export", "CLI.Subject@example.com", "--team", String(teamId), "--out", out])
    expect(exported.code, exported.output).toBe(0)
    expect(exported.output).toMatch(
      /Exported cli\.subject@example\.com from team \d+ \(job prj_[0-9a-f]{24}\)/
    )
    expect(exported.output).toContain("1 contacts")
    const archive = JSON.parse(readFileSync(out, "utf8")) as { contacts: Array<{ email: string }> }
    expect(archive.contacts.map((c) => c.email)).toEqual(["cli.subject@example.com"])

    const erased = await run(["erase", "cli.subject@example.com", "--team", String(teamId)])
    expect(erased.code, erased.output).toBe(0)
    expect(erased.output).toMatch(/contacts \(5\/5\)|done \(5\/5\)/)
    expect(erased.output).toMatch(
      /Erased the address from team \d+ \(job (prj_[0-9a-f]{24})\) in [\d.]+ s: .*1 contacts/
    )
    const jobId = /job (prj_[0-9a-f]{24})\) in/.exec(erased.output)?.[1] ?? ""
    const job = await callApi(server.baseUrl, key, "GET", `/privacy/jobs/${jobId}`)
    expect(job.body).toMatchObject({ kind: "erase", status: "done", email: null, report: { contacts: 1 } })
    // The longer address that contains it is untouched.
    const left = await query<{ email: string }>(db.url, "SELECT email FROM contacts WHERE team_id = $1", [
      teamId
    ])
    expect(left.map((r) => r.email)).toEqual(["joanne.cli.subject@example.com"])
  }, 300_000)

  it("refuses what is not an address, and a team that does not exist, with one line and exit 1", async () => {
    const bad = await run(["erase", "not-an-address", "--team", String(teamId)])
    expect(bad.code).toBe(1)
    expect(bad.output).toContain("email must be an email address")
    const noTeam = await run(["export", "a@example.com", "--team", "999999"])
    expect(noTeam.code).toBe(1)
    expect(noTeam.output).toContain("No team 999999")
  }, 300_000)
})
