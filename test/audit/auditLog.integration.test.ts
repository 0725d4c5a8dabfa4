import { PgAuditLog, PgDatabase } from "@poststack/adapters-persistence"
import { AuditLog } from "@poststack/application"
import type { TeamId } from "@poststack/domain"
import { periodicTasks } from "@poststack/runtime"
import { Effect, Layer, Redacted } from "effect"
import { purgeLayers } from "../support/purgeLayers.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"

const ADDRESS = "198.51.100.7"
const AGENT = "audit-test/1.0 (+https://example.com)"
const HOOK_TOKEN = "hOoKtOkEn0123456789secret"
const SLACK_SECRET = "sLaCkAuDiTsEcReT0123456789"

interface Entry {
  readonly id: string
  readonly action: string
  readonly actor: { kind: string; id: string | null } | null
  readonly target: { type: string; id: string } | null
  readonly details: Record<string, unknown>
  readonly ipAddress: string | null
  readonly userAgent: string | null
  readonly createdAt: string
}

describe("the audit log over HTTP and PostgreSQL", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let keyA: string
  let keyB: string
  let keyAId: string
  const secrets: Array<string> = []

  const call = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        "Content-Type": "application/json",
        "User-Agent": AGENT,
        "X-Forwarded-For": `10.0.0.1, ${ADDRESS}`
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await res.text()
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, text }
  }
  const auditOf = async (key: string, params = "") => {
    const res = await call(key, "GET", `/audit-log${params}`)
    expect(res.status, res.text).toBeLessThan(300)
    return res.body as unknown as {
      data: Array<Entry>
      meta: { total: number; page: number; totalPages: number }
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startTestServer({
      databaseUrl: db.url,
      trustedProxyHops: 1,
      webhooks: { allowLoopback: true, timeoutMs: 2000 }
    })
    keyA = await insertTeamWithKey(db.url, "Audited")
    keyB = await insertTeamWithKey(db.url, "Elsewhere")
    secrets.push(keyA, keyB, HOOK_TOKEN, SLACK_SECRET)
    const [row] = await query<{ id: number }>(db.url, "SELECT id FROM api_keys WHERE key_prefix = $1", [
      keyA.slice(0, 12)
    ])
    keyAId = String(row?.id)
  })
  afterAll(async () => {
    await server?.close()
    await db?.drop()
  })

  it("records every key, domain, webhook, channel and suppression change with actor, address, agent and time", async () => {
    const before = Date.now()
    const created = await call(keyA, "POST", "/api-keys", { name: "ci", permission: "sending_access" })
    expect(created.status, created.text).toBeLessThan(300)
    secrets.push(String(created.body.key))
    const rotated = await call(keyA, "POST", `/api-keys/${created.body.id}/rotate`)
    expect(rotated.status, rotated.text).toBeLessThan(300)
    secrets.push(String(rotated.body.key))
    expect((await call(keyA, "DELETE", `/api-keys/${rotated.body.id}`)).status).toBeLessThan(300)

    const domain = await call(keyA, "POST", "/domains", { name: "audited.example" })
    expect(domain.status, domain.text).toBeLessThan(300)
    const domainId = (domain.body.domain as { publicId: string }).publicId
    expect((await call(keyA, "DELETE", `/domains/${domainId}`)).status).toBeLessThan(300)

    const hook = await call(keyA, "POST", "/webhooks", {
      url: `http://127.0.0.1:9/hook?token=${HOOK_TOKEN}`,
      events: ["email.sent"]
    })
    expect(hook.status, hook.text).toBeLessThan(300)
    secrets.push(JSON.stringify(hook.body).match(/whsec_[A-Za-z0-9+/=_-]+/)?.[0] ?? "whsec_missing")
    const hookId = (hook.body.webhook as { id: number } | undefined)?.id ?? hook.body.id
    expect(
      (
        await call(keyA, "PATCH", `/webhooks/${hookId}`, {
          url: `http://127.0.0.1:9/other?token=${HOOK_TOKEN}`
        })
      ).status
    ).toBe(200)
    expect((await call(keyA, "DELETE", `/webhooks/${hookId}`)).status).toBeLessThan(300)

    const channel = await call(keyA, "POST", "/notification-channels", {
      type: "slack",
      name: "alerts",
      events: ["email.bounced"],
      config: { webhookUrl: `http://127.0.0.1:9/services/${SLACK_SECRET}` }
    })
    expect(channel.status, channel.text).toBeLessThan(300)
    const channelId = String(
      (channel.body.channel as { publicId?: string } | undefined)?.publicId ?? channel.body.publicId
    )
    expect(
      (await call(keyA, "PUT", `/notification-channels/${channelId}`, { name: "renamed" })).status
    ).toBeLessThan(300)
    expect((await call(keyA, "DELETE", `/notification-channels/${channelId}`)).status).toBeLessThan(300)

    expect(
      (await call(keyA, "POST", "/suppressions", { email: "gone@example.com", reason: "manual" })).status
    ).toBeLessThan(300)
    expect((await call(keyA, "DELETE", "/suppressions/gone%40example.com")).status).toBeLessThan(300)

    const log = await auditOf(keyA, "?per_page=100")
    expect(log.data.map((e) => e.action).reverse()).toEqual([
      "api_key.created",
      "api_key.rotated",
      "api_key.revoked",
      "domain.added",
      "domain.removed",
      "webhook.created",
      "webhook.updated",
      "webhook.deleted",
      "notification_channel.created",
      "notification_channel.updated",
      "notification_channel.deleted",
      "suppression.added",
      "suppression.removed"
    ])
    for (const entry of log.data) {
      expect(entry.actor).toEqual({ kind: "api_key", id: keyAId })
      expect(entry.ipAddress).toBe(ADDRESS)
      expect(entry.userAgent).toBe(AGENT)
      expect(Date.parse(entry.createdAt)).toBeGreaterThanOrEqual(before - 1000)
    }
    const byAction = new Map(log.data.map((e) => [e.action, e]))
    expect(byAction.get("api_key.created")?.target).toEqual({ type: "api_key", id: String(created.body.id) })
    expect(byAction.get("api_key.created")?.details).toMatchObject({
      name: "ci",
      permission: "sending_access"
    })
    expect(byAction.get("domain.added")?.details).toEqual({ name: "audited.example" })
    expect(byAction.get("webhook.updated")?.details).toEqual({ changed: "url" })
    expect(byAction.get("suppression.removed")?.target).toEqual({
      type: "suppression",
      id: "gone@example.com"
    })
  })

  it("keeps no secret: not the keys, the webhook secret, nor tokens in URLs, in the answer or in the table", async () => {
    const answer = (await call(keyA, "GET", "/audit-log?per_page=100")).text
    const rows = JSON.stringify(await query(db.url, "SELECT * FROM audit_log"))
    for (const secret of secrets) {
      expect(answer).not.toContain(secret)
      expect(rows).not.toContain(secret)
    }
  })

  it("filters by action, actor and time, and pages newest first", async () => {
    const created = await auditOf(keyA, "?action=api_key.created")
    expect(created.data.map((e) => e.action)).toEqual(["api_key.created"])
    expect((await auditOf(keyA, `?actor_type=api_key&actor_id=${keyAId}`)).meta.total).toBe(13)
    expect((await auditOf(keyA, "?actor_type=user")).meta.total).toBe(0)
    const future = new Date(Date.now() + 60_000).toISOString()
    expect((await auditOf(keyA, `?from=${encodeURIComponent(future)}`)).meta.total).toBe(0)
    expect((await auditOf(keyA, `?to=${encodeURIComponent(future)}`)).meta.total).toBe(13)
    const page = await auditOf(keyA, "?per_page=5&page=3")
    expect(page.meta).toMatchObject({ total: 13, page: 3, totalPages: 3 })
    expect(page.data.map((e) => e.action)).toEqual(["api_key.revoked", "api_key.rotated", "api_key.created"])
  })

  it("never shows one team another team's entries, and is for full-access keys only", async () => {
    expect((await auditOf(keyB)).meta.total).toBe(0)
    await call(keyB, "POST", "/suppressions", { email: "b@example.com", reason: "manual" })
    const b = await auditOf(keyB)
    expect(b.data.map((e) => e.action)).toEqual(["suppression.added"])
    expect((await auditOf(keyA, "?action=suppression.added")).data.map((e) => e.target?.id)).toEqual([
      "gone@example.com"
    ])
    const sending = await call(keyA, "POST", "/api-keys", { name: "sender", permission: "sending_access" })
    const refused = await call(String(sending.body.key), "GET", "/audit-log")
    expect(refused.status).toBe(403)
    expect(refused.body).toMatchObject({ code: "forbidden" })
  })

  it("answers bad filters with 400 {error, code}", async () => {
    for (const params of [
      "?action=bogus",
      "?from=yesterday",
      "?per_page=1000",
      "?actor_type=robot",
      "?page=0"
    ]) {
      const res = await call(keyA, "GET", `/audit-log${params}`)
      expect(res.status, params).toBe(400)
      expect(res.body).toMatchObject({ code: "invalid_request" })
    }
  })

  it("deletes entries older than 90 days in the worker's purge task, in bounded batches, and keeps the rest", async () => {
    const [team] = await query<{ id: number }>(
      db.url,
      "SELECT team_id AS id FROM api_keys WHERE key_prefix = $1",
      [keyA.slice(0, 12)]
    )
    const teamId = team?.id as number
    await query(
      db.url,
      `INSERT INTO audit_log (team_id, action, occurred_at)
       SELECT $1, 'domain.added', now() - interval '91 days' - g * interval '1 minute' FROM generate_series(1, 25) g`,
      [teamId]
    )
    await query(
      db.url,
      "INSERT INTO audit_log (team_id, action, occurred_at) VALUES ($1, 'domain.removed', now() - interval '89 days')",
      [teamId]
    )
    const database = PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 })
    // The adapter alone, 10 rows per statement: every old row goes, however many batches it takes.
    const removed = await Effect.runPromise(
      Effect.flatMap(AuditLog, (log) => log.purgeOlderThan(new Date(Date.now() - 90 * 86_400_000), 10)).pipe(
        Effect.provide(PgAuditLog.layer.pipe(Layer.provide(database)))
      )
    )
    expect(removed).toBe(25)
    await query(
      db.url,
      "INSERT INTO audit_log (team_id, action, occurred_at) VALUES ($1, 'domain.added', now() - interval '100 days')",
      [teamId]
    )
    // The worker's task, as it is scheduled.
    const task = periodicTasks.find((t) => t.name === "logs.purge")
    expect(task?.every).toBe("1 hour")
    await Effect.runPromise(
      (task?.run ?? Effect.die("no logs.purge task")).pipe(
        Effect.provide(purgeLayers.pipe(Layer.provide(database)))
      ) as Effect.Effect<void>
    )
    const [old] = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM audit_log WHERE occurred_at < now() - interval '90 days'"
    )
    expect(old?.n).toBe(0)
    const kept = await Effect.runPromise(
      Effect.flatMap(AuditLog, (log) =>
        log.list(teamId as TeamId, { actions: ["domain.removed"] }, 1, 10)
      ).pipe(Effect.provide(PgAuditLog.layer.pipe(Layer.provide(database))))
    )
    expect(kept.total).toBe(2)
  })
})
