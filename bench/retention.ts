import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync } from "node:fs"
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
  databaseCpuSampler,
  flushProbe,
  freePort,
  openLoop,
  openLoopWhile,
  percentile,
  startApp,
  verifiedDomain,
  START_TIMEOUT_MS,
  waitFor
} from "./support.js"

// Reduced sizes by default (a shared machine); the sizes are 10 million events and 1 million emails.
// `BENCH_ROUNDS` purges (3 by default) each report their own p99; the summary gives the median and the worst.
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000)
const EMAILS = Number(process.env.BENCH_ERASE_EMAILS ?? 200_000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
// After a fill, sending at half load until a window's p99 is back within 1.5 times (plus 5 ms) of the
// unfilled database's, for at most this long: see "settle" below.
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 120)

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
  // A bench that fails must not leave its server behind.
  process.once("exit", () => server.kill("SIGTERM"))
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
  // A request the connection drops (a kept-alive socket the server closed meanwhile) counts as failed.
  const send = async () => {
    try {
      const res = await fetch(`${baseUrl}/emails`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body
      })
      await res.arrayBuffer()
      return res.status === 202
    } catch {
      return false
    }
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

  await closedLoop(3, CONCURRENCY, send)
  const max = await closedLoop(SECONDS, CONCURRENCY, send)
  const rate = Math.max(1, Math.floor(max.perSecond / 2))
  console.log(`POST /emails: max ${max.perSecond.toFixed(0)}/s; half load ${rate}/s`)

  // Every commit of `POST /emails` waits for a WAL flush: a disk flush probe runs beside each phase,
  // and the checkpointer's counters are read around it, so a slow p99 can be told from a slow disk.
  const probeFile = path.join(tmpdir(), `bench-retention-flush-${process.pid}`)
  const checkpoints = async () =>
    (
      await client.query<{ timed: string; requested: string; buffers: string; wal: string }>(
        "SELECT checkpoints_timed AS timed, checkpoints_req AS requested, buffers_checkpoint AS buffers, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS wal FROM pg_stat_bgwriter"
      )
    ).rows[0]
  const measured = async <A>(phase: () => Promise<A>) => {
    const probe = flushProbe(probeFile)
    const before = await checkpoints()
    const result = await phase()
    const after = await checkpoints()
    const flushes = await probe.stop()
    const at = (p: number) => percentile(flushes, p).toFixed(0)
    const requested = Number(after?.requested) - Number(before?.requested)
    const timed = Number(after?.timed) - Number(before?.timed)
    const written = ((Number(after?.buffers) - Number(before?.buffers)) * 8) / 1024
    // The server's WAL, all databases': other work on a shared server counts too.
    const wal = (Number(after?.wal) - Number(before?.wal)) / 1024 / 1024
    return {
      result,
      disk: `disk flush p50 ${at(50)} ms, p99 ${at(99)} ms; checkpoints ${timed} timed + ${requested} requested (${written.toFixed(0)} MB written); WAL ${wal.toFixed(0)} MB`
    }
  }
  const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")

  // What the same rate costs on the database before any fill: the reference "settled" is judged by.
  const reference = await measured(() => openLoop(SECONDS, rate, send))
  console.log(
    `before any fill: POST /emails at ${rate}/s p50 ${reference.result.p50.toFixed(1)} ms, p99 ${reference.result.p99.toFixed(1)} ms; ${reference.disk}; load ${load()}`
  )

  // Each round starts from an empty outbox (the old rows must come first in id order, as they do in
  // life), fills it with old events, vacuums, analyzes and writes every dirty page out (so the purge
  // meets checkpointed pages, as a nightly purge does, and the fill's I/O is not measured), sends at
  // half load until the latency has settled, then measures sending at half load alone and, right
  // after, while the purge runs; the p99 of a round is that of every request sent while its purge ran.
  const rounds: Array<{
    rowsPerSecond: number
    quietP99: number
    p50: number
    p99: number
    pgCpuPerK: number
  }> = []
  for (let round = 1; round <= ROUNDS; round++) {
    await client.query("TRUNCATE events")
    // The fill skips the per-row foreign key check on `events.team_id` (the one team exists): at
    // 10 million rows that check was most of the fill's time. `events` has no trigger of its own.
    await client.query("SET session_replication_role = replica")
    await client.query(
      `INSERT INTO events (team_id, type, payload, created_at, fanned_out_at)
       SELECT $1, 'email.delivered', jsonb_build_object('type', 'email.delivered', 'data', jsonb_build_object('to', jsonb_build_array('r' || n || '@example.com'))),
         now() - interval '40 days' + n * interval '1 millisecond', now() - interval '40 days'
       FROM generate_series(1, $2) n`,
      [teamId, EVENTS]
    )
    await client.query("SET session_replication_role = DEFAULT")
    await client.query("VACUUM ANALYZE events")
    await client.query("CHECKPOINT")
    // The checkpoint hands the pages to the kernel: wait until they are on disk as well, so the
    // phases below do not share the disk with the fill's writeback.
    execFileSync("sync")
    // Settle: a database that took a bulk fill a moment ago is not the one a nightly purge meets.
    // Send at half load until one window's p99 is back near the reference (SETTLE_SECONDS at most),
    // and say how long that took; a database that does not settle is measured as it is.
    const settleStarted = performance.now()
    const settle: Array<string> = []
    for (;;) {
      const window = await measured(() => openLoop(SECONDS, rate, send))
      settle.push(`${window.result.p99.toFixed(0)} ms (${window.disk})`)
      if (window.result.p99 <= reference.result.p99 * 1.5 + 5) break
      if (performance.now() - settleStarted > SETTLE_SECONDS * 1000) {
        settle.push("not settled")
        break
      }
    }
    console.log(
      `round ${round}: settled after ${((performance.now() - settleStarted) / 1000).toFixed(0)} s; p99 by window: ${settle.join("; ")}`
    )
    // PostgreSQL's CPU is sampled every second (a backend a pool closes takes its figure with it):
    // the purge's is what the database used while it ran, less what sending alone used as long.
    const quietCpu = await databaseCpuSampler(client)
    const quietStarted = performance.now()
    const { result: quiet, disk: quietDisk } = await measured(() => openLoop(SECONDS, rate, send))
    const quietCpuPerMs = (await quietCpu.stop()) / (performance.now() - quietStarted)

    const purgeCpu = await databaseCpuSampler(client)
    const started = performance.now()
    let purgeDone = false
    const purge = runtime.runPromise(PurgeExpiredData()).finally(() => {
      purgeDone = true
    })
    const {
      result: [purged, ms, during],
      disk: purgeDisk
    } = await measured(async () => {
      const loaded = openLoopWhile(() => !purgeDone, rate, send)
      const purged = await purge
      return [purged, performance.now() - started, await loaded] as const
    })
    const pgCpu = (await purgeCpu.stop()) - quietCpuPerMs * ms
    const r = {
      rowsPerSecond: purged.events / (ms / 1000),
      quietP99: quiet.p99,
      p50: during.p50,
      p99: during.p99,
      pgCpuPerK: (pgCpu / Math.max(1, purged.events)) * 1000
    }
    rounds.push(r)
    console.log(
      `round ${round}: ${purged.events} events deleted in ${(ms / 1000).toFixed(1)} s = ${r.rowsPerSecond.toFixed(0)} rows/s; POST /emails at ${rate}/s: alone p99 ${quiet.p99.toFixed(1)} ms; during the purge p50 ${during.p50.toFixed(1)} ms, p99 ${during.p99.toFixed(1)} ms over ${during.count} requests (${during.failed} failed); PostgreSQL CPU of the purge ~${r.pgCpuPerK.toFixed(1)} ms per 1,000 rows; load ${load()}`
    )
    console.log(`round ${round}: alone: ${quietDisk}; during the purge: ${purgeDisk}`)
  }
  const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
  console.log(
    `retention over ${ROUNDS} rounds of ${EVENTS} events: median ${median(rounds.map((r) => r.rowsPerSecond)).toFixed(0)} rows/s, slowest ${Math.min(...rounds.map((r) => r.rowsPerSecond)).toFixed(0)} (target >= 50,000); POST /emails p99 during the purge: median ${median(rounds.map((r) => r.p99)).toFixed(1)} ms, worst ${Math.max(...rounds.map((r) => r.p99)).toFixed(1)} ms (target < 50 ms in every round); alone: median ${median(rounds.map((r) => r.quietP99)).toFixed(1)} ms`
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
  // The purge left its rows dead in `events`, which the erasure reads in id order: autovacuum
  // (off on the bench machines' PostgreSQL, on by default) clears them after a purge that size.
  await client.query("VACUUM ANALYZE events")
  // As for the purge: the erasure meets checkpointed pages, not the fill's writeback.
  await client.query("CHECKPOINT")
  execFileSync("sync")
  const eraseStarted = Date.now()
  const { disk: eraseDisk } = await measured(() =>
    runtime.runPromise(
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
  )
  const eraseSeconds = (Date.now() - eraseStarted) / 1000
  const left = (
    await client.query("SELECT count(*)::int AS n FROM deliveries WHERE recipient = 'subject@example.com'")
  ).rows[0]
  console.log(
    `erasure: one subject across ${EMAILS} emails in ${eraseSeconds.toFixed(1)} s (target: 1,000,000 in < 10 s); left ${left?.n}; ${eraseDisk}; load ${load()}`
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
