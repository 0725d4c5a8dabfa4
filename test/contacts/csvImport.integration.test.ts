import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { asOperator, ImportContactCsv } from "@poststack/application"
import type { TeamId } from "@poststack/domain"
import { Effect, Either, Layer, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { openContactCsv } from "../../apps/server/src/ContactCsvFile.js"
import { launch } from "../apps/processes.js"
import { callApi } from "../support/api.js"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startTestServer, TEST_ENCRYPTION_KEY, type TestServer } from "../support/server.js"

describe("poststack contacts import FILE", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let key: string
  let teamId: number
  const dir = mkdtempSync(path.join(tmpdir(), "contacts-import-"))

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startTestServer({ databaseUrl: db.url })
    key = (await server.bootstrap()) ?? ""
    const [team] = await query<{ id: number }>(db.url, "SELECT min(id)::int AS id FROM teams")
    teamId = team?.id ?? 0
    for (const property of [
      { name: "plan", label: "Plan", type: "select", options: ["free", "pro"] },
      { name: "seats", label: "Seats", type: "number" },
      { name: "since", label: "Since", type: "date" }
    ])
      expect((await callApi(server.baseUrl, key, "POST", "/contact-properties", property)).status).toBe(201)
    expect(
      (await callApi(server.baseUrl, key, "POST", "/contacts", { email: "old@example.com" })).status
    ).toBe(201)
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  const file = (name: string, content: string | Buffer) => {
    const at = path.join(dir, name)
    writeFileSync(at, content)
    return at
  }
  const run = async (args: ReadonlyArray<string>) => {
    const cli = launch(
      "apps/server/src/cli.ts",
      { DATABASE_URL: db.url, POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY },
      ["contacts", "import", ...args]
    )
    return { code: await cli.exited, output: cli.output() }
  }
  /** The import as the command runs it, in this process (a CLI start costs seconds on a loaded box). */
  const importInProcess = (team: number, csv: string) =>
    Effect.runPromise(
      Effect.flatMap(openContactCsv(csv), ({ records }) =>
        ImportContactCsv(asOperator(team as TeamId), records, { batch: 100, events: false })
      ).pipe(
        Effect.either,
        Effect.provide(
          PgPersistence.pipe(Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 })))
        )
      )
    )
  const inProcess = async (csv: string) => {
    const result = await importInProcess(teamId, csv)
    return Either.isLeft(result) ? result.left.message : "imported"
  }
  const emails = async () =>
    (
      await query<{ email: string }>(db.url, "SELECT email FROM contacts WHERE team_id = $1 ORDER BY email", [
        teamId
      ])
    ).map((r) => r.email)

  it("imports a BOM, CRLF, quoted file: skips known addresses, rejects bad rows with their line and reason", async () => {
    const csv = file(
      "mixed.csv",
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(
          [
            "email,first_name,last_name,plan,seats,since",
            'ann@example.com,"Lee, Ann","O""Neil",pro,3,2024-05-01',
            "OLD@example.com,Old,,free,,",
            "not-an-address,X,,free,,",
            "bo@example.com,Bo,,gold,,",
            "cy@example.com,Cy,,free,many,",
            '"dee@example.com","two',
            'lines",,free,1,2024-02-31',
            "eve@example.com,Eve,,free,,,extra",
            "",
            "ANN@example.com,again,,free,,",
            "fay@example.com,=cmd|' /C calc'!A0,,,,"
          ].join("\r\n")
        )
      ])
    )
    const { code, output } = await run([csv, "--team", String(teamId), "--batch", "3"])
    expect(code, output).toBe(0)
    expect(output).toContain("Imported 2 of 9 rows")
    expect(output).toContain("2 skipped (address already a contact), 5 rejected")
    for (const line of [
      "line 4: invalid email address",
      'line 5: Invalid value for property "plan": "gold" is not one of its options',
      'line 6: Invalid value for property "seats": expected a number',
      'line 7: Invalid value for property "since": expected an ISO 8601 date',
      "line 9: expected 6 cells, found 7",
      'line 7: Invalid value for property "since"',
      "line 3: OLD@example.com: the team has it already",
      "line 11: ANN@example.com: the team has it already, or an earlier line"
    ])
      expect(output).toContain(line)
    // Not a terminal: plain progress lines, no bar.
    expect(output).toMatch(/100% \d+ rows/)
    expect(output).not.toContain("\r[")
    const [ann] = await query<{ first_name: string; last_name: string; properties: unknown }>(
      db.url,
      "SELECT first_name, last_name, properties FROM contacts WHERE email = 'ann@example.com'"
    )
    expect(ann).toEqual({
      first_name: "Lee, Ann",
      last_name: 'O"Neil',
      properties: { plan: "pro", seats: 3, since: "2024-05-01" }
    })
    // Kept as text; the export defuses it.
    const [fay] = await query<{ first_name: string }>(
      db.url,
      "SELECT first_name FROM contacts WHERE email = 'fay@example.com'"
    )
    expect(fay?.first_name).toBe("=cmd|' /C calc'!A0")
    const created = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM events WHERE type = 'contact.created'"
    )
    expect(created[0]?.n).toBe(3)
  }, 240_000)

  it("rejects a line with a NUL character and imports the rest; the API refuses one by its path", async () => {
    const csv = file(
      "nul.csv",
      "email,first_name,plan\r\nnul@example.com,a\u0000b,free\r\nok-nul@example.com,Ok,\u0000\r\ngood@example.com,Good,\r\n"
    )
    const result = await importInProcess(teamId, csv)
    expect(Either.isRight(result) ? result.right : result.left.message).toMatchObject({
      imported: 1,
      rejected: 2,
      rejections: [
        { line: 2, reason: "first_name must not contain NUL characters" },
        { line: 3, reason: "plan must not contain NUL characters" }
      ]
    })
    expect(await emails()).toContain("good@example.com")
    expect(await emails()).not.toContain("nul@example.com")
    const res = await callApi(server.baseUrl, key, "POST", "/contacts/import", {
      contacts: [{ email: "nul2@example.com", first_name: "a\u0000b" }]
    })
    expect(res.status).toBe(400)
    expect(JSON.stringify(res.body)).toContain("contacts.0.first_name: must not contain NUL characters")
  }, 60_000)

  it("writes nothing when the file breaks half-way, the header does not fit, or the file is missing", async () => {
    const before = await emails()
    const rows = Array.from({ length: 40 }, (_, i) => `p${i}@example.com,P,,free,,`)
    const broken = file(
      "broken.csv",
      [
        "email,first_name,last_name,plan,seats,since",
        ...rows,
        'q@example.com,"unclosed,,free,,',
        "r@example.com,R,,,,"
      ].join("\n")
    )
    const halfWay = await run([broken, "--batch", "10", "--no-events"])
    expect(halfWay.code).toBe(1)
    // Named by the line the unclosed quote opens on.
    expect(halfWay.output).toMatch(/poststack: line 42: Quote Not Closed.*; nothing was imported/)
    expect(await emails()).toEqual(before)

    const problems = await Promise.all([
      inProcess(file("typo.csv", "email,plna\nz@example.com,pro\n")),
      inProcess(file("noemail.csv", "first_name\nZed\n")),
      inProcess(file("empty.csv", "")),
      inProcess(path.join(dir, "nope.csv")),
      inProcess(file("binary.csv", Buffer.from([0x00, 0xff, 0x22, 0x0a, 0x22, 0x22, 0x22]))),
      inProcess(file("twice.csv", "email,Email\nz@example.com,z@example.com\n"))
    ])
    expect(problems).toEqual([
      'line 1: unknown column "plna": not email, first_name, last_name, unsubscribed nor a contact property of the team (add the property first, or remove the column)',
      "line 1: no email column",
      "the file is empty: no header row",
      expect.stringContaining("ENOENT"),
      expect.stringMatching(/^line \d+: /),
      'line 1: column "Email" appears twice'
    ])
    expect(await emails()).toEqual(before)
  }, 240_000)

  it("keeps a contact's public id to con_ and 24 lowercase hex digits with a check that counts nothing", async () => {
    // The check runs on every imported row; a counted repetition ({24}) cost about 4 µs a row.
    const [check] = await query<{ def: string }>(
      db.url,
      "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'contacts_public_id_check'"
    )
    expect(check?.def).not.toMatch(/\{\d+\}/)
    const insert = (publicId: string) =>
      query(db.url, "INSERT INTO contacts (public_id, team_id, email) VALUES ($1, $2, $3)", [
        publicId,
        teamId,
        `${publicId}@example.com`
      ]).then(
        () => "kept",
        (e: { code?: string }) => e.code
      )
    const hex = "0123456789abcdef01234567"
    expect(await insert(`con_${hex}`)).toBe("kept")
    for (const bad of [
      `con_${hex.slice(1)}`,
      `con_${hex}8`,
      `con_${hex.toUpperCase()}`,
      `cot_${hex}`,
      `con_${hex.slice(1)}g`,
      `con_${hex.slice(1)}\n`
    ])
      expect(await insert(bad)).toBe("23514")
  })

  it("imports into the team named, never another", async () => {
    const other = await insertTeamWithKey(db.url, "other")
    expect(other).not.toBe("")
    const [team] = await query<{ id: number }>(db.url, "SELECT max(id)::int AS id FROM teams")
    const summary = await importInProcess(
      team?.id ?? 0,
      file("other.csv", "email\nann@example.com\nzoe@example.com\n")
    )
    expect(Either.getOrThrow(summary)).toMatchObject({ rows: 2, imported: 2, skipped: 0, rejected: 0 })
    expect(await emails()).not.toContain("zoe@example.com")
  }, 60_000)
})
