import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { failure, sdk } from "../support/sdkClient.js"
import { startTestServer, type TestServer } from "../support/server.js"

describe("contacts over HTTP and PostgreSQL", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let key: string
  let client: ReturnType<typeof sdk>

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startTestServer({ databaseUrl: db.url })
    key = (await server.bootstrap()) ?? ""
    client = sdk(key, { baseUrl: server.baseUrl })
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  const events = (type: string) =>
    query<{ payload: Record<string, unknown> }>(
      db.url,
      "SELECT payload FROM events WHERE type = $1 ORDER BY id",
      [type]
    )

  it("creates (201, con_ id, camelCase) and refuses the same address in another case with 409", async () => {
    const res = await callApi(server.baseUrl, key, "POST", "/contacts", {
      email: "Ann@Example.com",
      first_name: "Ann",
      last_name: "Lee"
    })
    expect(res.status).toBe(201)
    const contact = res.body.contact as Record<string, unknown>
    expect(contact).toMatchObject({
      id: expect.any(Number),
      publicId: expect.stringMatching(/^con_[0-9a-f]{24}$/),
      email: "Ann@example.com",
      firstName: "Ann",
      lastName: "Lee",
      unsubscribed: false,
      properties: {},
      engagementSegment: "dormant",
      lastEngagedAt: null
    })
    expect(await failure(client.contacts.create({ email: "ann@EXAMPLE.com" }))).toMatchObject({
      status: 409,
      code: "conflict",
      message: "Contact already exists"
    })
    const created = await events("contact.created")
    expect(created.map((e) => e.payload.email)).toEqual(["Ann@example.com"])
    expect(created[0]?.payload.contact_id).toBe(contact.publicId)
  })

  it("gets by id and by URL-encoded address, updates partially, and another team gets 404 on every id", async () => {
    const { contact } = await client.contacts.create({ email: "b+tag@example.com", first_name: "Bo" })
    expect((await client.contacts.get(contact.publicId)).contact.email).toBe("b+tag@example.com")
    expect((await client.contacts.getByEmail("B+TAG@example.com")).contact.publicId).toBe(contact.publicId)
    const updated = await client.contacts.update(contact.publicId, { last_name: "Diddley" })
    expect(updated.contact).toMatchObject({ firstName: "Bo", lastName: "Diddley" })
    expect((await events("contact.updated")).at(-1)?.payload.last_name).toBe("Diddley")

    const other = sdk(await insertTeamWithKey(db.url, "other"), { baseUrl: server.baseUrl })
    for (const call of [
      () => other.contacts.get(contact.publicId),
      () => other.contacts.getByEmail("b+tag@example.com"),
      () => other.contacts.update(contact.publicId, { first_name: "x" }),
      () => other.contacts.unsubscribe(contact.publicId),
      () => other.contacts.delete(contact.publicId)
    ])
      expect(await failure(call())).toMatchObject({ status: 404, code: "not_found" })
    expect((await other.contacts.list()).meta.total).toBe(0)
    expect(await failure(client.contacts.get("con_000000000000000000000000"))).toMatchObject({ status: 404 })
    expect(await failure(client.contacts.get("42"))).toMatchObject({ status: 400, code: "invalid_request" })
  })

  it("lists newest first with page meta, searching email and names, filtering unsubscribed", async () => {
    await client.contacts.create({ email: "carol@example.com", first_name: "Carol", last_name: "Searchable" })
    await client.contacts.create({ email: "dan@example.com", unsubscribed: true })
    const all = await client.contacts.list({ per_page: 2 })
    expect(all.meta).toEqual({ page: 1, perPage: 2, total: 4, totalPages: 2 })
    expect(all.data.map((c) => c.email)).toEqual(["dan@example.com", "carol@example.com"])
    expect((await client.contacts.list({ search: "SEARCHable" })).data.map((c) => c.email)).toEqual([
      "carol@example.com"
    ])
    expect((await client.contacts.list({ search: "%" })).meta.total).toBe(0)
    expect((await client.contacts.list({ unsubscribed: true })).data.map((c) => c.email)).toEqual([
      "dan@example.com"
    ])
    // segment_id is accepted (an unknown id is ignored, as the contract says); what is no segment
    // id at all is refused rather than ignored.
    expect(
      (
        await client.contacts.list({
          segment_id: "seg_000000000000000000000000",
          engagement_segment: "dormant"
        })
      ).meta.total
    ).toBe(4)
    expect(await failure(client.contacts.list({ segment_id: "seg_unknown" }))).toMatchObject({
      status: 400,
      code: "invalid_request"
    })
    expect(await failure(client.contacts.list({ engagement_segment: "asleep" }))).toMatchObject({
      status: 400
    })
  })

  it("global unsubscribe keeps the record and puts the address on the suppression list; a bounce shows on the contact", async () => {
    const { contact } = await client.contacts.create({ email: "erin@example.com" })
    const after = await client.contacts.unsubscribe(contact.publicId)
    expect(after.contact).toMatchObject({ unsubscribed: true, suppressionReason: "unsubscribe" })
    expect((await client.contacts.get(contact.publicId)).contact.unsubscribed).toBe(true)
    const suppressed = await client.suppressions.list({ per_page: 100 })
    expect(suppressed.data.map((s) => [s.email, s.reason])).toContainEqual([
      "erin@example.com",
      "unsubscribe"
    ])
    expect((await events("contact.unsubscribed")).map((e) => e.payload.email)).toContain("erin@example.com")

    const { contact: frank } = await client.contacts.create({ email: "frank@example.com" })
    await client.suppressions.add({ email: "FRANK@example.com", reason: "hard_bounce" })
    expect((await client.contacts.get(frank.publicId)).contact).toMatchObject({
      unsubscribed: true,
      suppressionReason: "hard_bounce"
    })
    expect((await client.contacts.list({ unsubscribed: true, search: "frank" })).meta.total).toBe(1)

    // Opting back in lifts the opt-out's entry, but never a bounce's.
    const back = await client.contacts.update(contact.publicId, { unsubscribed: false })
    expect(back.contact).toMatchObject({ unsubscribed: false, suppressionReason: null })
    expect((await client.suppressions.list({ per_page: 100 })).data.map((s) => s.email)).not.toContain(
      "erin@example.com"
    )
    const frankBack = await client.contacts.update(frank.publicId, { unsubscribed: false })
    expect(frankBack.contact).toMatchObject({ unsubscribed: true, suppressionReason: "hard_bounce" })
  })

  it("deletes with {success} and sends contact.deleted", async () => {
    const { contact } = await client.contacts.create({ email: "gone@example.com" })
    expect(await client.contacts.delete(contact.publicId)).toEqual({ success: true, deleted: true })
    expect(await failure(client.contacts.get(contact.publicId))).toMatchObject({ status: 404 })
    expect((await events("contact.deleted")).map((e) => e.payload.email)).toContain("gone@example.com")
  })

  it("imports rows in one go: existing addresses skipped (not updated), bad rows listed, G1's extra keys", async () => {
    const res = await callApi(server.baseUrl, key, "POST", "/contacts/import", {
      update_existing: true,
      contacts: [
        { email: "imp1@example.com", first_name: "One" },
        { email: "IMP1@example.com", first_name: "Repeat" },
        { email: "ann@example.com", first_name: "Changed" },
        { email: "not an address" },
        { email: "imp2@example.com" }
      ]
    })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      imported: 2,
      skipped: 2,
      updated: 0,
      errors: ["not an address: invalid email address"]
    })
    expect((await client.contacts.getByEmail("ann@example.com")).contact.firstName).toBe("Ann")
    expect((await client.contacts.getByEmail("imp1@example.com")).contact.firstName).toBe("One")
    expect((await events("contact.created")).map((e) => e.payload.email)).toContain("imp2@example.com")
  })

  it("refuses empty, oversized and malformed imports with {error, code}, writing nothing", async () => {
    const before = (await client.contacts.list()).meta.total
    for (const body of [
      { contacts: [] },
      { contacts: Array.from({ length: 10_001 }, (_, i) => ({ email: `x${i}@example.com` })) },
      { contacts: "nope" },
      { contacts: [{ first_name: "no email" }] }
    ]) {
      const res = await callApi(server.baseUrl, key, "POST", "/contacts/import", body)
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ error: expect.any(String), code: "invalid_request" })
    }
    const raw = await fetch(`${server.baseUrl}/contacts/import`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: '{"contacts": [{"email": "a@b.c"'
    })
    expect(raw.status).toBe(400)
    expect(await raw.json()).toMatchObject({ code: "invalid_request" })
    expect((await client.contacts.list()).meta.total).toBe(before)
  })

  it("imports 10,000 rows set-based and reports the time", async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => ({
      email: `bulk${i}@example.com`,
      first_name: `F${i}`,
      last_name: `L${i}`
    }))
    const started = performance.now()
    const result = await client.contacts.import(rows)
    const ms = performance.now() - started
    console.log(`import of 10,000 contacts: ${ms.toFixed(0)} ms`)
    expect(result).toMatchObject({ imported: 10_000, skipped: 0, errors: [] })
    const again = await client.contacts.import(rows.slice(0, 100))
    expect(again).toMatchObject({ imported: 0, skipped: 100 })
  }, 60_000)

  it("counts a search's total up to 1,000 (then says 1,000), while pages past it still answer", async () => {
    // The 10,000 "bulk" contacts of the import above.
    const common = await client.contacts.list({ search: "BULK", per_page: 20 })
    expect(common.meta).toEqual({ page: 1, perPage: 20, total: 1_000, totalPages: 50 })
    expect(common.data.map((c) => c.email)).toContain("bulk9999@example.com")
    const beyond = await client.contacts.list({ search: "bulk", per_page: 100, page: 11 })
    expect(beyond.data).toHaveLength(100)
    expect(beyond.meta.total).toBe(1_000)
    // Under the bound the total is exact; without a search it is never bounded.
    expect((await client.contacts.list({ search: "bulk999" })).meta.total).toBe(11)
    expect((await client.contacts.list({ per_page: 1 })).meta.total).toBeGreaterThan(10_000)
  })

  it("exports text/csv with RFC 4180 quoting and formula-looking cells defused", async () => {
    await client.contacts.create({
      email: "csv@example.com",
      first_name: '=HYPERLINK("x")',
      last_name: "a,b\r\nc"
    })
    const { contentType, text } = await client.contacts.exportCsv()
    expect(contentType).toMatch(/^text\/csv/)
    const lines = text.split("\r\n")
    expect(lines[0]).toBe("id,email,first_name,last_name,unsubscribed,engagement_segment,created_at")
    expect(text).toContain(`,csv@example.com,"'=HYPERLINK(""x"")","a,b\r\nc",false,dormant,`)
    expect(
      await failure(client.contacts.exportCsv({ segment_id: "seg_ffffffffffffffffffffffff" }))
    ).toMatchObject({ status: 404, code: "not_found" })
    expect(await failure(client.contacts.exportCsv({ segment_id: "seg_nope" }))).toMatchObject({
      status: 400,
      code: "invalid_request"
    })
  })
})
