import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase, insertTeamWithKey } from "../support/database.js"
import { failure, sdk } from "../support/sdkClient.js"
import { startTestServer, type TestServer } from "../support/server.js"

describe("contact properties over HTTP and PostgreSQL", () => {
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

  it("creates with the {property, ...property} superset both SDK generations read, and lists {properties}", async () => {
    const res = await callApi(server.baseUrl, key, "POST", "/contact-properties", {
      name: "plan",
      label: "Plan",
      type: "select",
      options: ["free", "pro"]
    })
    expect(res.status).toBe(201)
    const property = res.body.property as Record<string, unknown>
    expect(property).toEqual({
      id: expect.any(Number),
      name: "plan",
      label: "Plan",
      type: "select",
      options: ["free", "pro"],
      required: false,
      createdAt: expect.any(String)
    })
    expect(res.body).toMatchObject(property)
    await client.contactProperties.create({ name: "age", label: "Age", type: "number" })
    await client.contactProperties.create({ name: "vip", label: "VIP", type: "boolean" })
    await client.contactProperties.create({ name: "birthday", label: "Birthday", type: "date" })
    const { properties } = await client.contactProperties.list()
    expect(properties.map((p) => [p.name, p.type])).toEqual([
      ["plan", "select"],
      ["age", "number"],
      ["vip", "boolean"],
      ["birthday", "date"]
    ])
    expect(properties[1]).not.toHaveProperty("options")
    expect(
      await failure(client.contactProperties.create({ name: "plan", label: "x", type: "text" }))
    ).toMatchObject({
      status: 409,
      code: "conflict"
    })
    for (const bad of [
      { name: "s", label: "S", type: "select" },
      { name: "t", label: "T", type: "text", options: ["a"] }
    ])
      expect(await failure(client.contactProperties.create(bad))).toMatchObject({ status: 422 })
    expect(
      await failure(client.contactProperties.create({ name: "1bad name", label: "x", type: "text" }))
    ).toMatchObject({ status: 400, code: "invalid_request" })
    expect(
      await failure(client.contactProperties.create({ name: "x", label: "x", type: "color" }))
    ).toMatchObject({
      status: 400
    })
  })

  it("validates values on every write: a wrong type is 422 naming the property", async () => {
    const { contact } = await client.contacts.create({
      email: "p@example.com",
      properties: { plan: "pro", age: "42", vip: true, birthday: "1990-05-01" }
    })
    expect(contact.properties).toEqual({ plan: "pro", age: 42, vip: true, birthday: "1990-05-01" })
    for (const [properties, named] of [
      [{ age: "forty" }, "age"],
      [{ plan: "enterprise" }, "plan"],
      [{ vip: "yes" }, "vip"],
      [{ birthday: "soon" }, "birthday"],
      [{ shoe: 42 }, "shoe"]
    ] as const) {
      const err = await failure(client.contacts.update(contact.publicId, { properties }))
      expect(err).toMatchObject({ status: 422, code: "unprocessable_entity" })
      expect(err.message).toContain(`"${named}"`)
    }
    expect(
      await failure(client.contacts.create({ email: "q@example.com", properties: { age: [] } }))
    ).toMatchObject({ status: 422 })
    const partial = await client.contacts.update(contact.publicId, { properties: { age: 43, vip: null } })
    expect(partial.contact.properties).toEqual({ plan: "pro", age: 43, birthday: "1990-05-01" })
  })

  it("name and type are immutable; required is enforced on new writes", async () => {
    const { properties } = await client.contactProperties.list()
    const age = properties.find((p) => p.name === "age")
    if (age === undefined) throw new Error("age missing")
    const updated = await client.contactProperties.update(age.id, {
      label: "Age in years",
      name: "years",
      type: "text"
    })
    expect(updated.property).toMatchObject({ name: "age", type: "number", label: "Age in years" })
    await client.contactProperties.update(age.id, { required: true })
    expect(await failure(client.contacts.create({ email: "noage@example.com" }))).toMatchObject({
      status: 422,
      message: expect.stringContaining('"age"')
    })
    await client.contactProperties.update(age.id, { required: false })
  })

  it("counts option usage and drops stored values when a property is deleted", async () => {
    await client.contacts.create({ email: "u1@example.com", properties: { plan: "free" } })
    await client.contacts.create({ email: "u2@example.com", properties: { plan: "free" } })
    const plan = (await client.contactProperties.list()).properties.find((p) => p.name === "plan")
    if (plan === undefined) throw new Error("plan missing")
    expect(await client.contactProperties.optionUsage(plan.id)).toEqual({ usage: { free: 2, pro: 1 } })
    expect(await client.contactProperties.delete(plan.id)).toEqual({ success: true, deleted: true })
    expect((await client.contacts.getByEmail("u1@example.com")).contact.properties).toEqual({})
    expect((await client.contacts.getByEmail("p@example.com")).contact.properties).not.toHaveProperty("plan")
    expect(await failure(client.contactProperties.delete(plan.id))).toMatchObject({ status: 404 })
  })

  it("another team's property ids are 404", async () => {
    const { properties } = await client.contactProperties.list()
    const id = properties[0]?.id ?? 0
    const other = sdk(await insertTeamWithKey(db.url, "other"), { baseUrl: server.baseUrl })
    for (const call of [
      () => other.contactProperties.update(id, { label: "x" }),
      () => other.contactProperties.delete(id),
      () => other.contactProperties.optionUsage(id)
    ])
      expect(await failure(call())).toMatchObject({ status: 404, code: "not_found" })
    expect((await other.contactProperties.list()).properties).toEqual([])
  })
})
