import { createHash, randomBytes } from "node:crypto"
import { Migrator } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { migrations } from "@poststack/adapters-persistence"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { request } from "../attacks/harness.js"
import { createTestDatabase, query, storedKeyHash } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"

/** The schema as released before peppering: every migration below 0015. */
const migrateBeforePepper = (url: string) =>
  Effect.runPromise(
    Migrator.make({})({
      loader: Migrator.fromRecord(
        Object.fromEntries(Object.entries(migrations).filter(([id]) => id < "0015"))
      )
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })), Effect.scoped)
  )

describe("API key hashes are peppered, and keys stored before are migrated", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  const legacy = { full: `sk_live_${randomBytes(32).toString("base64url")}`, test: "" }
  legacy.test = `sk_test_${randomBytes(32).toString("base64url")}`

  beforeAll(async () => {
    db = await createTestDatabase()
    await migrateBeforePepper(db.url)
    // Keys as the released schema stored them: the plain SHA-256 of the secret.
    const [team] = await query<{ id: number }>(db.url, "INSERT INTO teams (name) VALUES ('Old') RETURNING id")
    for (const [mode, key] of [
      ["live", legacy.full],
      ["test", legacy.test]
    ] as const) {
      await query(
        db.url,
        "INSERT INTO api_keys (team_id, name, key_prefix, key_hash, permission, mode) VALUES ($1, $2, $3, $4, 'full_access', $5)",
        [team?.id, `old ${mode}`, key.slice(0, 12), createHash("sha256").update(key).digest(), mode]
      )
    }
    server = await startTestServer({ databaseUrl: db.url })
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  it("keys stored before the upgrade still authenticate, and their rows now hold only the peppered hash", async () => {
    for (const key of [legacy.full, legacy.test]) {
      const res = await request(server.baseUrl, key, "GET", "/api-keys")
      expect(res.status, res.text).toBe(200)
    }
    const rows = await query<{ key_prefix: string; key_hash: Buffer; key_hash_peppered: boolean }>(
      db.url,
      "SELECT key_prefix, key_hash, key_hash_peppered FROM api_keys ORDER BY id"
    )
    expect(rows.map((r) => [r.key_hash.toString("hex"), r.key_hash_peppered])).toEqual(
      [legacy.full, legacy.test].map((k) => [storedKeyHash(k).toString("hex"), true])
    )
    const dump = JSON.stringify(rows.map((r) => r.key_hash.toString("hex")))
    for (const key of [legacy.full, legacy.test])
      expect(dump).not.toContain(createHash("sha256").update(key).digest("hex"))
  })

  it("a new key is stored peppered, and a plain SHA-256 row written after the upgrade authenticates nobody", async () => {
    const created = await request(server.baseUrl, legacy.full, "POST", "/api-keys", {
      name: "new",
      permission: "sending_access"
    })
    expect(created.status).toBe(201)
    const key = String(created.body.key)
    const [row] = await query<{ key_hash: Buffer }>(db.url, "SELECT key_hash FROM api_keys WHERE id = $1", [
      created.body.id
    ])
    expect(row?.key_hash.toString("hex")).toBe(storedKeyHash(key).toString("hex"))
    expect((await request(server.baseUrl, key, "GET", "/emails")).status).toBe(200)
    // A database writer who knows only SHA-256 cannot plant a key: without the pepper its hash matches nothing.
    const planted = `sk_live_${randomBytes(32).toString("base64url")}`
    await query(
      db.url,
      "INSERT INTO api_keys (team_id, name, key_prefix, key_hash, permission, mode) SELECT team_id, 'planted', $1, $2, 'full_access', 'live' FROM api_keys LIMIT 1",
      [planted.slice(0, 12), createHash("sha256").update(planted).digest()]
    )
    expect((await request(server.baseUrl, planted, "GET", "/api-keys")).status).toBe(401)
  })
})
