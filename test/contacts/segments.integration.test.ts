import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { failure, sdk } from "../support/sdkClient.js"
import { startTestServer, type TestServer } from "../support/server.js"

describe("segments over HTTP and PostgreSQL (8.5)", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let key: string
  let client: ReturnType<typeof sdk>
  let other: ReturnType<typeof sdk>
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startTestServer({ databaseUrl: db.url })
    key = (await server.bootstrap()) ?? ""
    client = sdk(key, { baseUrl: server.baseUrl })
    other = sdk(await insertTeamWithKey(db.url, "other"), { baseUrl: server.baseUrl })
    await client.contactProperties.create({
      name: "plan",
      label: "Plan",
      type: "select",
      options: ["pro", "free"]
    })
    await client.contactProperties.create({ name: "seats", label: "Seats", type: "number" })
    for (const [name, plan, seats] of [
      ["ann", "pro", 10],
      ["bo", "free", 1],
      ["cy", "pro", 2],
      ["di", null, null]
    ] as const) {
      const { contact } = await client.contacts.create({
        email: `${name}@example.com`,
        first_name: name,
        properties: { ...(plan === null ? {} : { plan }), ...(seats === null ? {} : { seats }) }
      })
      ids[name] = contact.publicId
    }
    ids.foreign = (await other.contacts.create({ email: "zed@example.com" })).contact.publicId
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  const segmentRows = async () =>
    (await query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM segments"))[0]?.n
  const memberRows = async () =>
    (await query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM segment_members"))[0]?.n

  it("manual segments: create, add (all or none), members by page, get with contacts, growth, remove", async () => {
    const res = await callApi(server.baseUrl, key, "POST", "/segments", { name: "VIPs" })
    expect(res.status).toBe(201)
    const segment = res.body.segment as Record<string, unknown>
    expect(segment).toMatchObject({
      id: expect.any(Number),
      publicId: expect.stringMatching(/^seg_[0-9a-f]{24}$/),
      name: "VIPs",
      rules: null,
      contactCount: 0
    })
    const id = segment.publicId as string

    expect(
      await client.segments.addContacts(id, [ids.ann as string, ids.bo as string, ids.ann as string])
    ).toEqual({
      added: 2,
      success: true
    })
    expect((await client.segments.addContacts(id, [ids.ann as string, ids.cy as string])).added).toBe(1)
    // Another team's contact, or one that does not exist: 400 naming it, and nothing written.
    const before = await memberRows()
    expect(
      await failure(client.segments.addContacts(id, [ids.di as string, ids.foreign as string]))
    ).toMatchObject({
      status: 400,
      code: "invalid_request",
      message: expect.stringContaining(ids.foreign as string)
    })
    expect(await memberRows()).toBe(before)
    expect(await failure(client.segments.addContacts(id, ["42"]))).toMatchObject({ status: 400 })
    expect(await failure(client.segments.addContacts(id, []))).toMatchObject({ status: 400 })
    const tooMany = Array.from({ length: 1001 }, () => ids.ann as string)
    expect(await failure(client.segments.addContacts(id, tooMany))).toMatchObject({ status: 400 })

    const page = await client.segments.members(id, { per_page: 2 })
    expect(page.meta).toEqual({ page: 1, perPage: 2, total: 3, totalPages: 2 })
    expect((await client.segments.members(id, { page: 2, per_page: 2 })).data).toHaveLength(1)
    expect((await client.segments.members(id)).meta.perPage).toBe(50)
    expect(await failure(client.segments.members(id, { per_page: 101 }))).toMatchObject({ status: 400 })

    const got = (await client.segments.get(id)).segment
    expect(got.contactCount).toBe(3)
    expect(got.contacts?.map((c) => c.email).sort()).toEqual([
      "ann@example.com",
      "bo@example.com",
      "cy@example.com"
    ])
    const growth = await client.segments.growth(id, { days: 3 })
    expect(growth.available).toBe(true)
    expect(growth.daily).toHaveLength(3)
    expect(growth.daily.at(-1)).toEqual({ date: new Date().toISOString().slice(0, 10), members: 3 })
    expect(await failure(client.segments.growth(id, { days: 366 }))).toMatchObject({ status: 400 })
    expect(await client.segments.broadcasts(id)).toEqual({ broadcasts: [] })

    // GET /contacts?segment_id= and the export of one segment.
    const listed = await client.contacts.list({ segment_id: id, search: "y" })
    expect(listed.data.map((c) => c.email)).toEqual(["cy@example.com"])
    expect((await client.contacts.list({ segment_id: "seg_000000000000000000000000" })).meta.total).toBe(4)
    const csv = await client.contacts.exportCsv({ segment_id: id })
    expect(csv.contentType).toContain("text/csv")
    expect(csv.text.split("\r\n").filter((l) => l !== "")).toHaveLength(4)
    expect(csv.text).not.toContain("di@example.com")
    expect(
      await failure(client.contacts.exportCsv({ segment_id: "seg_000000000000000000000000" }))
    ).toMatchObject({
      status: 404,
      code: "not_found"
    })

    expect(await client.segments.removeContact(id, ids.bo as string)).toMatchObject({ success: true })
    expect(await failure(client.segments.removeContact(id, ids.bo as string))).toMatchObject({ status: 404 })
    // Deleting a contact takes it out of its segments; deleting the segment keeps its contacts.
    await client.contacts.delete(ids.cy as string)
    expect((await client.segments.get(id)).segment.contactCount).toBe(1)
    expect(await client.segments.delete(id)).toMatchObject({ success: true })
    expect(await failure(client.segments.get(id))).toMatchObject({ status: 404, code: "not_found" })
    expect((await client.contacts.get(ids.ann as string)).contact.email).toBe("ann@example.com")
  })

  it("rule segments: counted by their rules, previewed without storing, converted to manual", async () => {
    const rules = {
      operator: "and",
      conditions: [
        { field: "properties.plan", comparator: "equals", value: "pro" },
        { field: "properties.seats", comparator: "greater_than", value: "5" }
      ]
    }
    const stored = await segmentRows()
    expect(await client.segments.previewRules(rules)).toEqual({ count: 1 })
    // (cy was deleted above: ann, bo and di are left)
    const either = {
      operator: "or",
      conditions: [
        { field: "plan", comparator: "equals", value: "free" },
        { field: "properties.seats", comparator: "greater_than", value: 5 }
      ]
    }
    expect(await client.segments.previewRules(either)).toEqual({ count: 2 })
    const unopened = {
      operator: "and",
      conditions: [{ field: "emailsOpened", comparator: "less_than", value: "1", windowDays: 7 }]
    }
    expect(await client.segments.previewRules(unopened)).toEqual({ count: 3 })
    expect(await segmentRows()).toBe(stored)

    const { segment } = await client.segments.create({ name: "Big pro", rules })
    expect(segment).toMatchObject({ rules, contactCount: 1, countUnavailable: false })
    expect((await client.segments.list()).segments.map((s) => s.publicId)).toContain(segment.publicId)
    expect((await client.segments.members(segment.publicId)).data.map((c) => c.email)).toEqual([
      "ann@example.com"
    ])
    expect(await client.segments.growth(segment.publicId)).toEqual({ available: false, daily: [] })
    expect(await failure(client.segments.addContacts(segment.publicId, [ids.bo as string]))).toMatchObject({
      status: 422,
      code: "unprocessable_entity"
    })

    const renamed = await client.segments.update(segment.publicId, { name: "Renamed" })
    expect(renamed.segment).toMatchObject({ name: "Renamed", rules })
    const manual = await client.segments.update(segment.publicId, { rules: null })
    expect(manual.segment).toMatchObject({ rules: null, contactCount: 0 })
    expect((await client.segments.addContacts(segment.publicId, [ids.bo as string])).added).toBe(1)
  })

  it("malformed rules, unknown fields and properties, over 50 conditions: a clear 4xx and nothing written", async () => {
    const stored = await segmentRows()
    const cases: Array<[unknown, number, string]> = [
      [
        { operator: "and", conditions: [{ field: "nickname", comparator: "equals", value: "x" }] },
        422,
        "unknown field"
      ],
      [
        { operator: "and", conditions: [{ field: "properties.tier", comparator: "equals", value: "x" }] },
        422,
        "tier"
      ],
      [
        { operator: "and", conditions: [{ field: "firstName", comparator: "before", value: "2026-01-01" }] },
        422,
        "before"
      ],
      [
        {
          operator: "and",
          conditions: [{ field: "properties.seats", comparator: "less_than", value: "lots" }]
        },
        422,
        "number"
      ],
      [{ operator: "xor", conditions: [{ field: "email", comparator: "equals", value: "x" }] }, 400, ""],
      [{ operator: "and", conditions: [] }, 400, ""],
      [{ operator: "and", conditions: [{ field: "email", comparator: "eq", value: "x" }] }, 400, ""],
      [
        {
          operator: "and",
          conditions: Array.from({ length: 51 }, () => ({ field: "email", comparator: "is_set" }))
        },
        400,
        ""
      ],
      [
        { operator: "and", conditions: [{ field: "email", comparator: "equals", value: "x".repeat(501) }] },
        400,
        ""
      ]
    ]
    for (const [rules, status, words] of cases) {
      const created = await callApi(server.baseUrl, key, "POST", "/segments", { name: "bad", rules })
      expect({ rules, status: created.status }).toEqual({ rules, status })
      expect(created.body).toMatchObject({ error: expect.stringContaining(words), code: expect.any(String) })
      const previewed = await callApi(server.baseUrl, key, "POST", "/segments/preview", { rules })
      expect(previewed.status).toBe(status)
    }
    expect(await segmentRows()).toBe(stored)
    const { segment } = await client.segments.create({ name: "kept" })
    const patched = await callApi(server.baseUrl, key, "PATCH", `/segments/${segment.publicId}`, {
      name: "changed",
      rules: cases[0]?.[0]
    })
    expect(patched.status).toBe(422)
    expect((await client.segments.get(segment.publicId)).segment).toMatchObject({ name: "kept", rules: null })
  })

  it("a rule on a property deleted since: no count (countUnavailable), members 422 naming the condition", async () => {
    const property = await client.contactProperties.create({ name: "tier", label: "Tier", type: "text" })
    const rules = { operator: "and", conditions: [{ field: "properties.tier", comparator: "is_set" }] }
    const { segment } = await client.segments.create({ name: "Tiered", rules })
    expect(segment).toMatchObject({ contactCount: 0, countUnavailable: false })
    await client.contactProperties.delete(property.id)
    const got = (await client.segments.get(segment.publicId)).segment
    expect(got).toMatchObject({ rules, contactCount: 0, countUnavailable: true, contacts: [] })
    expect(await failure(client.segments.members(segment.publicId))).toMatchObject({
      status: 422,
      message: expect.stringContaining('no contact property named "tier"')
    })
    expect(await failure(client.contacts.exportCsv({ segment_id: segment.publicId }))).toMatchObject({
      status: 422
    })
  })

  it("another team gets 404 on every segment route, and its list is empty", async () => {
    const { segment } = await client.segments.create({ name: "Private" })
    await client.segments.addContacts(segment.publicId, [ids.ann as string])
    const id = segment.publicId
    for (const call of [
      () => other.segments.get(id),
      () => other.segments.update(id, { name: "x" }),
      () => other.segments.delete(id),
      () => other.segments.addContacts(id, [ids.foreign as string]),
      () => other.segments.removeContact(id, ids.ann as string),
      () => other.segments.members(id),
      () => other.segments.growth(id),
      () => other.segments.broadcasts(id),
      () => other.contacts.exportCsv({ segment_id: id })
    ])
      expect(await failure(call())).toMatchObject({ status: 404, code: "not_found" })
    expect((await other.segments.list()).segments).toEqual([])
    expect((await other.contacts.list({ segment_id: id })).data.map((c) => c.email)).toEqual([
      "zed@example.com"
    ])
    expect((await client.segments.get(id)).segment).toMatchObject({ name: "Private", contactCount: 1 })
    expect(await failure(client.segments.get("42"))).toMatchObject({ status: 400, code: "invalid_request" })
  })
})
