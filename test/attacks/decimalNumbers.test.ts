import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectRefusal, request, startTwoTeams, type TwoTeams } from "./harness.js"

/** Numbers written as text (a contact's number property, a segment rule's value) are decimal only. */
describe("hexadecimal, binary and octal text is not a number", () => {
  let teams: TwoTeams
  const as = (method: string, path: string, body?: unknown) =>
    request(teams.server.baseUrl, teams.keyA, method, path, body)
  const preview = (value: string) =>
    as("POST", "/segments/preview", {
      rules: {
        operator: "and",
        conditions: [{ field: "properties.score", comparator: "greater_than", value }]
      }
    })

  beforeAll(async () => {
    teams = await startTwoTeams()
    const property = await as("POST", "/contact-properties", {
      name: "score",
      label: "Score",
      type: "number"
    })
    expect(property.status, property.text).toBe(201)
  })
  afterAll(async () => {
    await teams.close()
  })

  it("a contact's number property refuses 0x10, 0b11 and 0o7 with 422 and stores nothing", async () => {
    for (const [i, value] of ["0x10", "0b11", "0o7", "-0x1"].entries()) {
      const res = await as("POST", "/contacts", { email: `n${i}@example.com`, properties: { score: value } })
      expectRefusal(res, 422, "unprocessable_entity")
      expect(res.body.error).toMatch(/score.*expected a number/)
      expect((await as("GET", `/contacts/by-email/n${i}%40example.com`)).status).toBe(404)
    }
    const patched = await as("POST", "/contacts", { email: "kept@example.com", properties: { score: 5 } })
    expect(patched.status, patched.text).toBe(201)
    const id = String((patched.body.contact as { publicId: string }).publicId)
    expectRefusal(
      await as("PATCH", `/contacts/${id}`, { properties: { score: "0x20" } }),
      422,
      "unprocessable_entity"
    )
    const kept = await as("GET", `/contacts/${id}`)
    expect((kept.body.contact as { properties: Record<string, unknown> }).properties.score).toBe(5)
  })

  it("decimal text is still read: signs, fractions, exponents and spaces around", async () => {
    const cases: Array<[string, number]> = [
      [" 12 ", 12],
      ["-1.5", -1.5],
      ["2e3", 2000],
      [".5", 0.5],
      ["+7", 7]
    ]
    for (const [i, [value, stored]] of cases.entries()) {
      const res = await as("POST", "/contacts", { email: `d${i}@example.com`, properties: { score: value } })
      expect(res.status, res.text).toBe(201)
      expect((res.body.contact as { properties: Record<string, unknown> }).properties.score).toBe(stored)
    }
  })

  it("a segment rule's number value refuses 0x10 with 422, and a decimal one counts", async () => {
    for (const value of ["0x10", "0b1", "0o1"]) {
      const res = await preview(value)
      expectRefusal(res, 422, "unprocessable_entity")
      expect(res.body.error).toMatch(/properties\.score.*must be a number/)
    }
    const counted = await preview("1000")
    expect(counted.status, counted.text).toBe(200)
    // 2e3 is the only score above 1000 stored by the test before.
    expect(counted.body.count).toBe(1)
  })
})
