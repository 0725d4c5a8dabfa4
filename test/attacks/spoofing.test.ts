import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { expectRefusal, request, snapshotCounts, startTwoTeams, type TwoTeams } from "./harness.js"

const mail = (from: string) => ({
  from,
  to: ["victim@example.com"],
  subject: "Reset your password",
  text: "..."
})

describe("sender spoofing across teams and domains", () => {
  let teams: TwoTeams
  let scopedKey: string
  let testKey: string
  const as = (key: string, path: string, body: unknown) =>
    request(teams.server.baseUrl, key, "POST", path, body)

  beforeAll(async () => {
    teams = await startTwoTeams()
    await addVerifiedDomain(teams.server.baseUrl, teams.keyA, teams.dns, "other-a.test")
    const scoped = await as(teams.keyA, "/api-keys", {
      name: "a.test only",
      permission: "sending_access",
      domain_id: teams.domainA.id
    })
    expect(scoped.status).toBe(201)
    scopedKey = String(scoped.body.key)
    const test = await as(teams.keyA, "/api-keys", {
      name: "test mode",
      permission: "sending_access",
      mode: "test"
    })
    testKey = String(test.body.key)
  })
  afterAll(async () => {
    await teams.close()
  })

  it("refuses team A sending from team B's verified domain (422), in any spelling and with any of A's keys", async () => {
    const before = await snapshotCounts(teams.db.url)
    for (const key of [teams.keyA, testKey]) {
      for (const from of [
        "security@b.test",
        "Security <security@B.TEST>",
        '"security@a.test" <security@b.test>',
        "security@mail.b.test"
      ]) {
        expectRefusal(await as(key, "/emails", mail(from)), 422, "unprocessable_entity")
        const batch = await as(key, "/emails/batch", { emails: [mail(from)] })
        expect(batch.status).toBe(202)
        expect(batch.body.data).toEqual([{ error: expect.any(String), code: "unprocessable_entity" }])
      }
    }
    expect(await snapshotCounts(teams.db.url)).toEqual(before)
  })

  it("lets team A add B's domain name only as its own unverifiable copy: DNS proves control, not the name", async () => {
    // Names are unique per team (as with other providers); what B published serves B's DKIM key only.
    const res = await as(teams.keyA, "/domains", { name: "b.test" })
    expect(res.status).toBe(201)
    const copy = res.body.domain as { id: number }
    const verify = await as(teams.keyA, `/domains/${copy.id}/verify`, undefined)
    expect(verify.status).toBe(200)
    expect((verify.body.domain as { status: string }).status).not.toBe("verified")
    const rows = await query<{ team_id: number; status: string }>(
      teams.db.url,
      "SELECT team_id, status FROM domains WHERE name = 'b.test' ORDER BY id"
    )
    expect(rows.map((r) => r.status)).toEqual(["verified", expect.not.stringMatching(/^verified$/)])
    expectRefusal(await as(teams.keyA, "/emails", mail("security@b.test")), 422, "unprocessable_entity")
    // B is untouched: still verified, still sending.
    expect((await as(teams.keyB, "/emails", mail("security@b.test"))).status).toBe(202)
  })

  it("refuses a domain-scoped key sending from another domain of its own team (403), storing nothing", async () => {
    const before = await snapshotCounts(teams.db.url)
    expectRefusal(await as(scopedKey, "/emails", mail("news@other-a.test")), 403, "forbidden")
    const batch = await as(scopedKey, "/emails/batch", { emails: [mail("news@other-a.test")] })
    expect(batch.body.data).toEqual([{ error: expect.any(String), code: "forbidden" }])
    // From another team's domain it is not the scope that stops it, but it is stopped all the same.
    const foreign = await as(scopedKey, "/emails", mail("news@b.test"))
    expect([403, 422]).toContain(foreign.status)
    expect(Object.keys(foreign.body).sort()).toEqual(["code", "error"])
    expect(await snapshotCounts(teams.db.url)).toEqual(before)
    // Its own domain still works: the refusals above were about the domain, not the key.
    expect((await as(scopedKey, "/emails", mail("news@a.test"))).status).toBe(202)
  })
})
