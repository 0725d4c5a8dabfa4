import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectRefusal, request, startTwoTeams, type TwoTeams } from "../attacks/harness.js"
import { query } from "../support/database.js"

describe("recipients of one email", () => {
  let teams: TwoTeams
  beforeAll(async () => {
    teams = await startTwoTeams()
  })
  afterAll(async () => {
    await teams.close()
  })

  const deliveries = (publicId: unknown) =>
    query<{ recipient: string }>(
      teams.db.url,
      "SELECT d.recipient FROM deliveries d JOIN emails e ON e.id = d.email_id WHERE e.public_id = $1 ORDER BY d.id",
      [publicId]
    )

  it("are merged by address, whatever the case: 50 copies of one address make one delivery", async () => {
    const copies = Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0 ? "Twin@Example.com" : "twin@example.COM"
    )
    const sent = await request(teams.server.baseUrl, teams.keyA, "POST", "/emails", {
      from: "news@a.test",
      to: copies,
      subject: "once",
      text: "t"
    })
    expect(sent.status).toBe(202)
    expect(await deliveries(sent.body.id)).toEqual([{ recipient: "Twin@example.com" }])

    // The first mention keeps its role: To before Cc before Bcc.
    const roles = await request(teams.server.baseUrl, teams.keyA, "POST", "/emails", {
      from: "news@a.test",
      to: ["one@example.com"],
      cc: ["ONE@example.com", "two@example.com"],
      bcc: ["Two@Example.com", "three@example.com", "one@example.com"],
      subject: "roles",
      text: "t"
    })
    expect(roles.status).toBe(202)
    expect((await deliveries(roles.body.id)).map((d) => d.recipient)).toEqual([
      "one@example.com",
      "two@example.com",
      "three@example.com"
    ])
    const got = await request(teams.server.baseUrl, teams.keyA, "GET", `/emails/${String(roles.body.id)}`)
    const email = got.body.email as Record<string, unknown>
    expect([email.toAddresses, email.ccAddresses, email.bccAddresses]).toEqual([
      ["one@example.com"],
      ["two@example.com"],
      ["three@example.com"]
    ])
  })

  it("still count before merging: more than 50 names are refused even if they are one address", async () => {
    const res = await request(teams.server.baseUrl, teams.keyA, "POST", "/emails", {
      from: "news@a.test",
      to: Array.from({ length: 51 }, () => "same@example.com"),
      subject: "s",
      text: "t"
    })
    expectRefusal(res, 422, "unprocessable_entity")
  })
})
