import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startTestServer, type TestServer } from "../support/server.js"

/**
 * What the delivery path's statements read grows with what they are given, not with the tables
 * (migration 0081): a claim of 25 out of a backlog of 2,000 due emails walks the due-time index
 * and stops, and recording outcomes never reads all of `emails`. Counted in PostgreSQL's own
 * per-transaction statistics, in a transaction that is rolled back. A test-mode claim reads none
 * of the live backlog (0096).
 */
describe("the delivery path's cost does not grow with the backlog", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  const BACKLOG = 2000

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    server = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      rateLimit: { limit: 10_000, windowMs: 1000 }
    })
    const key = (await server.bootstrap()) ?? ""
    await addVerifiedDomain(server.baseUrl, key, dns, "claims.test")
    // Due tomorrow: nothing sends them before the test claims them itself.
    const at = new Date(Date.now() + 86_400_000).toISOString()
    for (let offset = 0; offset < BACKLOG; offset += 100) {
      const emails = Array.from({ length: 100 }, (_, i) => ({
        from: "news@claims.test",
        to: [`r-${offset + i}@receiver.test`],
        subject: `Hello ${offset + i}`,
        text: "Hello",
        scheduled_at: at
      }))
      const res = await fetch(`${server.baseUrl}/emails/batch`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ emails })
      })
      expect(res.status).toBe(202)
    }
  }, 120_000)
  afterAll(async () => {
    await server.close()
    await dns.close()
    await db.drop()
  })

  // Each test reads PostgreSQL's per-transaction statistics in a transaction it rolls back.
  const rolledBack = async (test: (client: pg.Client) => Promise<void>) => {
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    try {
      await client.query("BEGIN")
      await test(client)
    } finally {
      await client.query("ROLLBACK").catch(() => {})
      await client.end()
    }
  }

  it(
    "a test-mode claim beside 2,000 due live emails reads none of them (migration 0096)",
    async () =>
      rolledBack(async (client) => {
        const claimed = await client.query<{ ids: Array<string> }>(
          "SELECT claim_delivery_ids(now() + interval '2 days', 25, true, 0) AS ids"
        )
        expect(claimed.rows[0]?.ids).toEqual([])
        // Through the one index for both modes, it read every live row due and its email.
        const read = await client.query<{ relname: string; fetched: string }>(
          `SELECT relname, coalesce(idx_tup_fetch, 0) AS fetched FROM pg_stat_xact_user_tables
       WHERE relname IN ('emails', 'deliveries') ORDER BY relname`
        )
        expect(read.rows.map((r) => [r.relname, Number(r.fetched) < 10])).toEqual([
          ["deliveries", true],
          ["emails", true]
        ])
      }),
    60_000
  )

  it(
    "a workflow claim of 50 out of 2,000 due runs fetches about 50 of them (migration 0096)",
    async () =>
      rolledBack(async (client) => {
        await client.query(
          `WITH t AS (SELECT id FROM teams ORDER BY id LIMIT 1),
       w AS (
         INSERT INTO workflows (public_id, team_id, name, trigger_type, status)
         SELECT 'wf_' || substr(md5('claims'), 1, 24), t.id, 'Claims', 'manual', 'active' FROM t RETURNING id, team_id),
       c AS (
         INSERT INTO contacts (public_id, team_id, email)
         SELECT 'con_' || substr(md5('claims'), 1, 24), w.team_id, 'run@receiver.test' FROM w RETURNING id)
       INSERT INTO workflow_runs (workflow_id, team_id, contact_id, exclusive, current_node, due_at)
       SELECT w.id, w.team_id, c.id, false, 't', now() - n * interval '1 second'
       FROM w, c, generate_series(1, 2000) n`
        )
        const claimed = await client.query<{ ids: Array<string> }>("SELECT due_workflow_run_ids(50) AS ids")
        expect(claimed.rows[0]?.ids).toHaveLength(50)
        // The oldest due first.
        const oldest = await client.query<{ id: string }>(
          "SELECT id FROM workflow_runs ORDER BY due_at LIMIT 50"
        )
        expect(claimed.rows[0]?.ids.map(Number)).toEqual(oldest.rows.map((r) => Number(r.id)))
        const read = await client.query<{ fetched: string }>(
          "SELECT coalesce(idx_tup_fetch, 0) AS fetched FROM pg_stat_xact_user_tables WHERE relname = 'workflow_runs'"
        )
        // 50 from the claim and 50 from the check above; all 2,000 when read whole and sorted.
        expect(Number(read.rows[0]?.fetched)).toBeLessThan(300)
      }),
    60_000
  )

  it(
    "claims 25 of 2,000 due emails fetching about 25 rows, and records their outcomes reading no table whole",
    async () =>
      rolledBack(async (client) => {
        const claimed = await client.query<{ ids: Array<string> }>(
          "SELECT claim_delivery_ids(now() + interval '2 days', 25, false, 0) AS ids"
        )
        const ids = claimed.rows[0]?.ids ?? []
        expect(ids).toHaveLength(25)
        // A bitmap scan of the whole backlog fetched all 2,000 rows; the walk stops at the limit.
        const index = await client.query<{ read: string }>(
          "SELECT idx_tup_fetch AS read FROM pg_stat_xact_user_tables WHERE relname = 'deliveries'"
        )
        expect(Number(index.rows[0]?.read)).toBeLessThan(100)

        const rows = await client.query<{ id: string; email_id: string; team_id: number; recipient: string }>(
          `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, lease_until = now() + interval '1 minute'
       WHERE id = ANY ($1::bigint[]) RETURNING id, email_id, team_id, recipient`,
          [ids]
        )
        const before = await client.query<{ seq: string }>(
          "SELECT coalesce(sum(seq_scan), 0) AS seq FROM pg_stat_xact_user_tables WHERE relname IN ('emails', 'deliveries')"
        )
        const results = rows.rows.map((r) => ({
          id: Number(r.id),
          attempts: 1,
          status: "delivered",
          reply: "250 OK",
          mx: "mx.receiver.test",
          next_attempt_at: null,
          events: [
            {
              type: "email.delivered",
              payload: { recipient: r.recipient },
              team_id: r.team_id,
              metadata: { recipient: r.recipient },
              created_at: new Date().toISOString(),
              event_type: "delivered"
            }
          ],
          suppress_team: null,
          suppress_address: null,
          suppress_reason: null
        }))
        await client.query("SELECT record_deliveries($1::jsonb, $2, $3)", [
          JSON.stringify(results),
          ["sending", "deferred", "queued", "delivered", "bounced", "failed", "suppressed"],
          "cancelled"
        ])
        const after = await client.query<{ seq: string }>(
          "SELECT coalesce(sum(seq_scan), 0) AS seq FROM pg_stat_xact_user_tables WHERE relname IN ('emails', 'deliveries')"
        )
        expect(Number(after.rows[0]?.seq) - Number(before.rows[0]?.seq)).toBe(0)
        // And the outcomes were recorded, with their events in the outbox.
        const settled = await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM deliveries WHERE id = ANY ($1::bigint[]) AND status = 'delivered'",
          [ids]
        )
        expect(settled.rows[0]?.n).toBe(25)
        const outbox = await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM events WHERE type = 'email.delivered'"
        )
        expect(outbox.rows[0]?.n).toBe(25)
      }),
    60_000
  )
})
