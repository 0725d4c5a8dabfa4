import { randomBytes } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { ConfigRetentionPolicySource } from "@poststack/adapters-external"
import { FileBlobStore, PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { eraseSubject, PrivacyJobQueue, PurgeExpiredData } from "@poststack/application"
import type { TeamId } from "@poststack/domain"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import pg from "pg"
import { startDnsServer } from "../test/support/dnsServer.js"
import {
  benchEnv,
  benchDatabase,
  closedLoop,
  freePort,
  openLoop,
  startApp,
  verifiedDomain,
  START_TIMEOUT_MS,
  waitFor
} from "./support.js"

// Reduced sizes by default (a shared machine); the sizes are 10 million events and 1 million emails.
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000)
const EMAILS = Number(process.env.BENCH_ERASE_EMAILS ?? 200_000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)

const body = JSON.stringify({
  from: "Bench <bench@bench.test>",
  to: ["someone@example.com"],
  subject: "Benchmark",
  html: "<p>Hello from the benchmark</p>"
})

const main = async () => {
  const db = await benchDatabase()
  const dns = await startDnsServer()
  const key = `sk_live_${randomBytes(32).toString("base64url")}`
  const port = await freePort()
  const server = startApp("apps/server/src/main.ts", {
    ...benchEnv({ databaseUrl: db.url, dns }),
    PORT: String(port),
    POSTSTACK_HOST: "127.0.0.1",
    POSTSTACK_BOOTSTRAP_API_KEY: key,
    POSTSTACK_RATE_LIMIT_REQUESTS: "10000000",
    POSTSTACK_RUN_WORKER: "false"
  })
  const baseUrl = `http://127.0.0.1:${port}`
  await waitFor(
    () =>
      fetch(`${baseUrl}/healthz`).then(
        () => true,
        () => false
      ),
    START_TIMEOUT_MS
  )
  await verifiedDomain(baseUrl, key, dns, "bench.test")
  const send = async () => {
    const res = await fetch(`${baseUrl}/emails`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body
    })
    await res.arrayBuffer()
    return res.status === 202
  }
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  const [team] = (await client.query("SELECT id FROM teams ORDER BY id LIMIT 1")).rows as Array<{
    id: number
  }>
  const teamId = team?.id as TeamId

  const runtime = ManagedRuntime.make(
    Layer.mergeAll(
      PgPersistence,
      ConfigRetentionPolicySource.layer(30),
      FileBlobStore.layer(mkdtempSync(path.join(tmpdir(), "bench-retention-")))
    ).pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 })))
  )

  console.log(`filling ${EVENTS} events 40 days old...`)
  await client.query(
    `INSERT INTO events (team_id, type, payload, created_at, fanned_out_at)
     SELECT $1, 'email.delivered', jsonb_build_object('type', 'email.delivered', 'data', jsonb_build_object('to', jsonb_build_array('r' || n || '@example.com'))),
       now() - interval '40 days' + n * interval '1 millisecond', now() - interval '40 days'
     FROM generate_series(1, $2) n`,
    [teamId, EVENTS]
  )
  await client.query("VACUUM ANALYZE events")

  await closedLoop(3, CONCURRENCY, send)
  const max = await closedLoop(SECONDS, CONCURRENCY, send)
  const rate = Math.max(1, Math.floor(max.perSecond / 2))
  const quiet = await openLoop(SECONDS, rate, send)
  console.log(
    `POST /emails: max ${max.perSecond.toFixed(0)}/s; at ${rate}/s without purge: p50 ${quiet.p50.toFixed(1)} ms, p99 ${quiet.p99.toFixed(1)} ms`
  )

  const started = Date.now()
  const purge = runtime.runPromise(PurgeExpiredData())
  const loaded: Array<Awaited<ReturnType<typeof openLoop>>> = []
  let purgeDone = false
  void purge.then(() => {
    purgeDone = true
  })
  while (!purgeDone) loaded.push(await openLoop(Math.min(SECONDS, 3), rate, send))
  const purged = await purge
  const seconds = (Date.now() - started) / 1000
  const p99 = Math.max(...loaded.map((l) => l.p99))
  const windows = loaded.map((l) => l.p99).sort((a, b) => a - b)
  const medianP99 = windows[Math.floor(windows.length / 2)] ?? 0
  console.log(
    `retention: ${purged.events} events deleted in ${seconds.toFixed(1)} s = ${(purged.events / seconds).toFixed(0)} rows/s (target >= 50,000); POST /emails at ${rate}/s meanwhile: worst p99 ${p99.toFixed(1)} ms, median of the windows' p99 ${medianP99.toFixed(1)} ms, over ${loaded.length} windows (target < 50 ms)`
  )

  console.log(`filling ${EMAILS} emails to one subject...`)
  const domain = (await client.query("SELECT id FROM domains WHERE team_id = $1 LIMIT 1", [teamId]))
    .rows[0] as { id: number }
  await client.query(
    `WITH e AS (
       INSERT INTO emails (public_id, team_id, domain_id, from_address, to_addresses, subject, message_id, status, test_mode)
       SELECT 'bench' || n, $1, $2, 'news@bench.test', '{subject@example.com}', 'Hi', '<' || n || '@bench.test>', 'delivered', false
       FROM generate_series(1, $3) n RETURNING id)
     INSERT INTO deliveries (email_id, team_id, recipient, kind, status) SELECT id, $1, 'subject@example.com', 'to', 'delivered' FROM e`,
    [teamId, domain.id, EMAILS]
  )
  await client.query("VACUUM ANALYZE emails")
  await client.query("VACUUM ANALYZE deliveries")
  const eraseStarted = Date.now()
  await runtime.runPromise(
    Effect.gen(function* () {
      const queue = yield* PrivacyJobQueue
      const job = yield* queue.enqueue({
        teamId,
        kind: "erase",
        address: "subject@example.com",
        requestedBy: null
      })
      yield* eraseSubject(job)
    })
  )
  const eraseSeconds = (Date.now() - eraseStarted) / 1000
  const left = (
    await client.query("SELECT count(*)::int AS n FROM deliveries WHERE recipient = 'subject@example.com'")
  ).rows[0]
  console.log(
    `erasure: one subject across ${EMAILS} emails in ${eraseSeconds.toFixed(1)} s (target: 1,000,000 in < 10 s); left ${left?.n}`
  )

  await client.end()
  await runtime.dispose()
  server.kill("SIGTERM")
  await new Promise((r) => server.once("exit", r))
  await dns.close()
  await db.close()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
