import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, insertTeamWithKey, query, storedKeyHash } from "../support/database.js"
import { sdk, rejection } from "../support/sdkClient.js"
import { startTestServer, type TestServer } from "../support/server.js"

describe("/api-keys through an SDK-shaped client", () => {
  let server: TestServer
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let rootKey: string
  const client = (key: string) => sdk(key, { baseUrl: server.baseUrl })

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startTestServer({ databaseUrl: db.url })
    rootKey = (await server.bootstrap()) ?? ""
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  it("creates a key, shows its secret once, and the secret works", async () => {
    const created = await client(rootKey).apiKeys.create({
      name: "ci",
      permission: "sending_access",
      mode: "test"
    })
    expect(created).toMatchObject({
      name: "ci",
      permission: "sending_access",
      mode: "test",
      domainId: null,
      lastUsedAt: null
    })
    expect(created.key).toMatch(/^sk_test_[A-Za-z0-9_-]{43}$/)
    expect(created.keyPrefix).toBe(created.key?.slice(0, 12))
    expect(typeof created.id).toBe("number")
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt)

    const fetched = await client(rootKey).apiKeys.get(created.id)
    expect(fetched).not.toHaveProperty("key")
    const listed = await client(rootKey).apiKeys.list()
    for (const k of listed.keys) expect(k).not.toHaveProperty("key")
    expect(listed.keys.map((k) => k.id)).toContain(created.id)

    const rows = await query<{ key_hash: Buffer }>(db.url, "SELECT key_hash FROM api_keys WHERE id = $1", [
      created.id
    ])
    // The peppered hash, not the bare SHA-256 a dump could test guesses against.
    expect(rows[0]?.key_hash.toString("hex")).toBe(storedKeyHash(created.key ?? "").toString("hex"))
    const dump = JSON.stringify(await query(db.url, "SELECT * FROM api_keys"))
    expect(dump).not.toContain(created.key)
  })

  it("renames a key with PATCH and keeps permission and mode", async () => {
    const created = await client(rootKey).apiKeys.create({ name: "old", permission: "sending_access" })
    const renamed = await client(rootKey).apiKeys.update(created.id, { name: "new" })
    expect(renamed).toMatchObject({ id: created.id, name: "new", permission: "sending_access", mode: "live" })
    const blank = await rejection(client(rootKey).apiKeys.update(created.id, { name: "   " }))
    expect(blank.statusCode).toBe(400)
  })

  it("rotates: same attributes, new secret, old secret dead at once", async () => {
    const created = await client(rootKey).apiKeys.create({ name: "rotating", permission: "sending_access" })
    const rotated = await client(rootKey).apiKeys.rotate(created.id)
    expect(rotated).toMatchObject({ name: "rotating", permission: "sending_access", mode: "live" })
    expect(rotated.key).toMatch(/^sk_live_/)
    expect(rotated.key).not.toBe(created.key)
    const old = await rejection(client(rootKey).apiKeys.get(created.id))
    expect(old.statusCode).toBe(404)
    const dead = await rejection(client(created.key ?? "").apiKeys.list())
    expect(dead).toMatchObject({ statusCode: 401, code: "unauthorized", message: "Invalid API key" })
  })

  it("revokes: the key stops authenticating and a second revoke is 404", async () => {
    const created = await client(rootKey).apiKeys.create({
      name: "doomed",
      permission: "full_access",
      allow_full_access: true
    })
    expect((await client(created.key ?? "").apiKeys.list()).keys.length).toBeGreaterThan(0)
    expect(await client(rootKey).apiKeys.revoke(created.id)).toMatchObject({ success: true })
    expect((await rejection(client(created.key ?? "").apiKeys.list())).statusCode).toBe(401)
    expect(await rejection(client(rootKey).apiKeys.revoke(created.id))).toMatchObject({
      statusCode: 404,
      code: "not_found"
    })
  })

  it("refuses missing, malformed, unknown keys and non-Bearer schemes with 401", async () => {
    const url = `${server.baseUrl}/api-keys`
    // Each says what is wrong with the header; every presented key that is not a live one gets the same answer.
    const missing = "Missing API key: send it in the header Authorization: Bearer <API key>"
    const notBearer = "The Authorization header must use the Bearer scheme: Authorization: Bearer <API key>"
    const empty = "Missing API key after Bearer: send Authorization: Bearer <API key>"
    for (const [headers, error] of [
      [{}, missing],
      [{ Authorization: "Bearer" }, empty],
      [{ Authorization: "Bearer  " }, empty],
      [{ Authorization: "Bearer sk_live_thisisnotarealkeythisisnotarealkey" }, "Invalid API key"],
      [{ Authorization: "Bearer not-a-key" }, "Invalid API key"],
      [{ Authorization: `Token  ${rootKey}` }, notBearer],
      [{ Authorization: `Basic ${Buffer.from(`poststack:${rootKey}`).toString("base64")}` }, notBearer]
    ] as const) {
      const res = await fetch(url, { headers })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error, code: "unauthorized" })
    }
  })

  it("gives sending keys 403 on key management and guards full-access minting", async () => {
    const sending = await client(rootKey).apiKeys.create({ name: "sender", permission: "sending_access" })
    for (const call of [
      () => client(sending.key ?? "").apiKeys.list(),
      () =>
        client(sending.key ?? "").apiKeys.create({
          name: "escalate",
          permission: "full_access",
          allow_full_access: true
        }),
      () => client(sending.key ?? "").apiKeys.revoke(sending.id)
    ]) {
      expect(await rejection(call())).toMatchObject({
        statusCode: 403,
        code: "forbidden",
        message: "API key does not have permission"
      })
    }
    const guarded = await rejection(
      client(rootKey).apiKeys.create({ name: "clone", permission: "full_access" })
    )
    expect(guarded).toMatchObject({ statusCode: 403, code: "forbidden" })
  })

  it("scopes keys to a domain of the team by id or dom_ id, and refuses others", async () => {
    const [team] = await query<{ id: number }>(db.url, "SELECT id FROM teams ORDER BY id LIMIT 1")
    const [domain] = await query<{ id: number }>(
      db.url,
      "INSERT INTO domains (team_id, public_id, name) VALUES ($1, 'dom_scoped1', 'scoped.example.com') RETURNING id",
      [team?.id]
    )
    const byId = await client(rootKey).apiKeys.create({
      name: "scoped",
      permission: "sending_access",
      domain_id: String(domain?.id)
    })
    expect(byId.domainId).toBe(domain?.id)
    const byPublic = await client(rootKey).apiKeys.create({
      name: "scoped2",
      permission: "sending_access",
      domain_ids: ["dom_scoped1"]
    })
    expect(byPublic.domainId).toBe(domain?.id)
    expect(
      await rejection(
        client(rootKey).apiKeys.create({ name: "x", permission: "sending_access", domain_id: "dom_nope" })
      )
    ).toMatchObject({
      statusCode: 404,
      code: "not_found"
    })
    expect(
      await rejection(
        client(rootKey).apiKeys.create({ name: "x", permission: "sending_access", domain_id: "example.com" })
      )
    ).toMatchObject({
      statusCode: 422,
      code: "unprocessable_entity"
    })
  })

  it("records lastUsedAt when a key is used", async () => {
    const created = await client(rootKey).apiKeys.create({
      name: "used",
      permission: "full_access",
      allow_full_access: true
    })
    await client(created.key ?? "").apiKeys.list()
    const after = await client(rootKey).apiKeys.get(created.id)
    expect(after.lastUsedAt).not.toBeNull()
  })
})

describe("tenancy", () => {
  it("keeps two teams apart on every /api-keys route", async () => {
    const db = await createTestDatabase()
    const server = await startTestServer({ databaseUrl: db.url })
    try {
      const keyA = (await server.bootstrap()) ?? ""
      const keyB = await insertTeamWithKey(db.url, "B")
      const a = sdk(keyA, { baseUrl: server.baseUrl })
      const b = sdk(keyB, { baseUrl: server.baseUrl })
      const ofB = await b.apiKeys.create({ name: "secret of B", permission: "sending_access" })
      expect((await a.apiKeys.list()).keys.map((k) => k.name)).not.toContain("secret of B")
      for (const call of [
        () => a.apiKeys.get(ofB.id),
        () => a.apiKeys.update(ofB.id, { name: "pwned" }),
        () => a.apiKeys.rotate(ofB.id),
        () => a.apiKeys.revoke(ofB.id)
      ]) {
        expect(await rejection(call())).toMatchObject({ statusCode: 404, code: "not_found" })
      }
      expect(await b.apiKeys.get(ofB.id)).toMatchObject({ name: "secret of B" })
      expect((await b.apiKeys.list()).keys.map((k) => k.name).sort()).toEqual(["B key", "secret of B"])
    } finally {
      await server.close()
      await db.drop()
    }
  })
})
