import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query, storedKeyHash } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"
import { expectRefusal, request } from "./harness.js"

const WINDOW_MS = 3_000
const LIMIT = 5

const alignToWindow = () => new Promise((r) => setTimeout(r, WINDOW_MS - (Date.now() % WINDOW_MS) + 20))
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
// What may differ between two answers to the same request: the rest must be byte for byte the same.
const VOLATILE = new Set(["date", "x-request-id"])
const answer = (res: { status: number; headers: Headers; text: string }) => ({
  status: res.status,
  body: res.text,
  headers: [...res.headers.keys()].filter((h) => !VOLATILE.has(h)).sort()
})

describe("API key brute force", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let limited: TestServer
  let open: TestServer
  let key: string
  // Wrong keys of every kind an attacker could present.
  const wrong: Record<string, string> = {}

  beforeAll(async () => {
    db = await createTestDatabase()
    limited = await startTestServer({
      databaseUrl: db.url,
      authFailureLimit: LIMIT,
      authFailureWindowMs: WINDOW_MS
    })
    open = await startTestServer({ databaseUrl: db.url })
    key = (await limited.bootstrap()) ?? ""
    const created = await request(limited.baseUrl, key, "POST", "/api-keys", {
      name: "to revoke",
      permission: "sending_access"
    })
    const revoked = String(created.body.key)
    expect((await request(limited.baseUrl, key, "DELETE", `/api-keys/${created.body.id}`)).status).toBe(200)
    const expired = `sk_live_${randomBytes(24).toString("base64url")}`
    await query(
      db.url,
      `INSERT INTO api_keys (team_id, name, key_prefix, key_hash, permission, mode, expires_at)
       SELECT team_id, 'expired', $1, $2, 'full_access', 'live', now() - interval '1 minute' FROM api_keys LIMIT 1`,
      [expired.slice(0, 12), storedKeyHash(expired)]
    )
    wrong.revoked = revoked
    wrong.expired = expired
    // The real key's own prefix with a different tail: a prefix that exists must not be told apart.
    wrong.knownPrefix = `${key.slice(0, 12)}${randomBytes(24).toString("base64url")}`.slice(0, key.length)
    wrong.unknown = `sk_live_${randomBytes(24).toString("base64url")}`
    wrong.malformed = "sk_live_short"
    wrong.notOurs = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"
  })
  afterAll(async () => {
    await limited.close()
    await open.close()
    await db.drop()
  })

  it("answers unknown, malformed, revoked, expired and known-prefix keys with one and the same 401", async () => {
    const answers: Record<string, unknown> = {}
    for (const [kind, secret] of Object.entries(wrong)) {
      const res = await request(open.baseUrl, secret, "GET", "/api-keys")
      expectRefusal(res, 401, "unauthorized")
      answers[kind] = answer(res)
    }
    const first = answers.unknown
    for (const [kind, got] of Object.entries(answers)) expect(got, kind).toEqual(first)
    // No Authorization header, or another scheme, says what is wrong with the header itself: it
    // names no key, so it tells nothing about keys, and the code is the same.
    const none = await fetch(`${open.baseUrl}/api-keys`)
    expect(none.status).toBe(401)
    expect(await none.json()).toEqual({
      error: "Missing API key: send it in the header Authorization: Bearer <API key>",
      code: "unauthorized"
    })
    const basic = await fetch(`${open.baseUrl}/api-keys`, { headers: { Authorization: `Basic ${key}` } })
    expect(basic.status).toBe(401)
    expect(await basic.json()).toEqual({
      error: "The Authorization header must use the Bearer scheme: Authorization: Bearer <API key>",
      code: "unauthorized"
    })
  })

  it("takes as long for a known prefix, a revoked or an expired key as for an unknown one", async () => {
    // Interleaved rounds, so that load on the machine falls on every kind alike.
    const kinds = ["unknown", "knownPrefix", "revoked", "expired"] as const
    const times: Record<string, Array<number>> = Object.fromEntries(kinds.map((k) => [k, []]))
    for (let round = 0; round < 25; round++) {
      for (const kind of [...kinds].sort(() => Math.random() - 0.5)) {
        const started = performance.now()
        const res = await fetch(`${open.baseUrl}/api-keys`, {
          headers: { Authorization: `Bearer ${wrong[kind]}` }
        })
        await res.text()
        times[kind]?.push(performance.now() - started)
      }
    }
    const base = median(times.unknown ?? [])
    // Every kind is one hash and one indexed lookup: no per-prefix work (a slow hash, a second
    // query) that would make a real prefix, or a key that once existed, answer visibly later.
    // A loaded machine widens every figure alike; the bound leaves room for that, not for a slow path.
    const bound = Math.max(15, base / 2)
    for (const kind of kinds) expect(Math.abs(median(times[kind] ?? []) - base), kind).toBeLessThan(bound)
  })

  it("429s wrong keys from one address past the budget, with Retry-After, until the window passes", async () => {
    await alignToWindow()
    const statuses: Array<number> = []
    for (let i = 0; i < LIMIT + 3; i++) {
      const secret = Object.values(wrong)[i % Object.values(wrong).length] ?? ""
      const res = await request(limited.baseUrl, secret, "GET", "/api-keys")
      statuses.push(res.status)
      if (res.status === 429) {
        expectRefusal(res, 429, "rate_limit_exceeded")
        const retryAfter = Number(res.headers.get("retry-after"))
        expect(retryAfter).toBeGreaterThanOrEqual(1)
        expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000)
      }
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429, 429, 429])
    // A revoked key is a wrong key like any other: limited too, not told apart.
    const revoked = await request(limited.baseUrl, wrong.revoked ?? "", "GET", "/api-keys")
    expectRefusal(revoked, 429, "rate_limit_exceeded")
    // By design the real key still works meanwhile: the budget slows guessing (192 random bits per
    // key), and a lockout would let anyone behind the same NAT or proxy shut every client out.
    expect((await request(limited.baseUrl, key, "GET", "/api-keys")).status).toBe(200)
    await alignToWindow()
    expectRefusal(
      await request(limited.baseUrl, wrong.unknown ?? "", "GET", "/api-keys"),
      401,
      "unauthorized"
    )
  })

  it("counts what it guards: many wrong keys in parallel get no more than the budget through", async () => {
    await alignToWindow()
    const guesses = Array.from({ length: 30 }, () => `sk_live_${randomBytes(24).toString("base64url")}`)
    const responses = await Promise.all(guesses.map((g) => request(limited.baseUrl, g, "GET", "/api-keys")))
    const statuses = responses.map((r) => r.status)
    // Whatever window boundary the burst straddles, at most two windows' budgets are 401s.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(2 * LIMIT)
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([])
    // Nothing was learned or written: no key was touched by the guesses.
    const [used] = await query<{ n: string }>(
      db.url,
      "SELECT count(*) AS n FROM api_keys WHERE name = 'expired' AND last_used_at IS NOT NULL"
    )
    expect(Number(used?.n)).toBe(0)
  })
})
