/**
 * Workflow runs against sending the same mail directly (issue 17's speed section): BENCH_RUNS
 * (100,000) runs of trigger (contact.created) -> wait 1 s -> condition (a rule on the contact) ->
 * send_email into a local SMTP sink, through one worker process and the API process; then the same
 * emails (same sender, subject and body as the rendered template) sent straight through
 * `POST /emails/batch` (100 per request, 4 clients) on the same server, worker, sink and database.
 *
 * Reported: runs completed per second (first run started to last run completed); the delay between a
 * wait's due time and the run's next step (p50/p99); both paths' wall time (start to last message at
 * the sink) and CPU (API, worker and this database's PostgreSQL backends), and their ratios; the
 * target is that the engine adds at most 20 % (ratio <= 1.2).
 *
 * The contacts are imported while no worker runs (their contact.created events wait in the outbox),
 * so the workflow phase starts when the worker starts and the first runs start: the import, which
 * the direct path has no counterpart for, is measured apart.
 *
 * BENCH_RUNS sets the size for quick runs. `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`
 * profiles the apps.
 */
import { randomBytes } from "node:crypto"
import { cpus, loadavg } from "node:os"
import pg from "pg"
import { startDnsServer } from "../test/support/dnsServer.js"
import { type Received, startSmtpSink } from "../test/support/smtpSink.js"
import {
  benchDatabase,
  benchEnv,
  cpuMs,
  databaseCpuSampler,
  freePort,
  startApp,
  verifiedDomain,
  waitFor
} from "./support.js"

const RUNS = Number(process.env.BENCH_RUNS ?? 100_000)
const SUBJECT = "Welcome aboard"
const HTML = "<p>Welcome aboard: a benchmark message with a little body text.</p>"

const stop = async (child: ReturnType<typeof startApp>) => {
  const exited = new Promise((resolve) => child.once("exit", resolve))
  child.kill("SIGTERM")
  await exited
}

const main = async () => {
  const db = await benchDatabase()
  const dns = await startDnsServer()
  const sink = await startSmtpSink()
  // Arrivals are counted, not kept: 2 x 100,000 raw messages would not fit a small machine.
  const counts = { wf: 0, direct: 0 }
  const last = { wf: 0, direct: 0 }
  sink.received.push = (...items: Array<Received>) => {
    const at = Date.now()
    for (const item of items)
      for (const to of item.to) {
        const path = to.startsWith("wf-") ? "wf" : "direct"
        counts[path]++
        last[path] = at
      }
    return 0
  }
  dns.publish("receiver.test", "MX", "mx.receiver.test")
  dns.publish("mx.receiver.test", "A", "127.0.0.1")
  const key = `sk_live_${randomBytes(32).toString("base64url")}`
  const port = await freePort()
  const env = benchEnv({ databaseUrl: db.url, dns, mxPort: sink.port })
  const server = startApp("apps/server/src/main.ts", {
    ...env,
    PORT: String(port),
    POSTSTACK_HOST: "127.0.0.1",
    POSTSTACK_BOOTSTRAP_API_KEY: key,
    POSTSTACK_RATE_LIMIT_REQUESTS: "10000000",
    POSTSTACK_RUN_WORKER: "false"
  })
  const baseUrl = `http://127.0.0.1:${port}`
  const auth = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: auth,
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const json = (await res.json()) as Record<string, unknown>
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
    return json
  }
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  await verifiedDomain(baseUrl, key, dns, "bench.test")
  const load = () => loadavg()[0]?.toFixed(1)
  console.log(
    `${RUNS} runs and ${RUNS} direct emails; ${cpus().length} cores shared by the API, the worker, the sink, PostgreSQL and other users of this machine (load ${load()})`
  )

  const template = (
    (await call("POST", "/templates", { name: "Welcome", subject: SUBJECT, html: HTML })).template as {
      publicId: string
    }
  ).publicId
  await call("POST", `/templates/${template}/publish`)
  const workflow = (
    (await call("POST", "/workflows", { name: "Bench", trigger_type: "contact.created" })).workflow as {
      publicId: string
    }
  ).publicId
  const node = (public_id: string, type: string, config: unknown = {}) => ({
    public_id,
    type,
    config,
    canvas_x: 0,
    canvas_y: 0
  })
  const edge = (from: string, to: string, branch: string | null = null) => ({
    from_public_id: from,
    to_public_id: to,
    branch
  })
  await call("PUT", `/workflows/${workflow}/graph`, {
    nodes: [
      node("t", "trigger"),
      node("w", "wait", { delay: "1s" }),
      node("c", "condition", {
        rules: {
          operator: "and",
          conditions: [{ field: "email", comparator: "ends_with", value: "@receiver.test" }]
        }
      }),
      node("s", "send_email", { template_id: template, from: "hello@bench.test" }),
      node("x", "exit")
    ],
    edges: [edge("t", "w"), edge("w", "c"), edge("c", "s", "match"), edge("c", "x", "no_match")]
  })
  await call("POST", `/workflows/${workflow}/activate`)

  // The contacts, while no worker runs: their contact.created events wait in the outbox.
  const importStarted = Date.now()
  for (let offset = 0; offset < RUNS; offset += 10_000) {
    const contacts = Array.from({ length: Math.min(10_000, RUNS - offset) }, (_, i) => ({
      email: `wf-${offset + i}@receiver.test`
    }))
    await call("POST", "/contacts/import", { contacts })
  }
  const importSeconds = (Date.now() - importStarted) / 1000
  await client.query("VACUUM ANALYZE")

  // Each phase's CPU: the worker's and the API's own, and this database's backends, sampled every
  // second (a backend a pool closes during the phase would otherwise take its figure with it).
  const measure = async () => {
    const start = { worker: cpuMs(worker.pid ?? 0), server: cpuMs(server.pid ?? 0) }
    const postgres = await databaseCpuSampler(client)
    return async () => ({
      worker: cpuMs(worker.pid ?? 0) - start.worker,
      server: cpuMs(server.pid ?? 0) - start.server,
      postgres: await postgres.stop()
    })
  }
  // The phase's statements by total time with the buffers they read, and the tables' writes (BENCH_STATEMENTS=1).
  const dumpStatements = async (phase: string) => {
    const top = await client.query<{
      calls: string
      rows: string
      ms: number
      plan: number
      blocks: string
      query: string
    }>(
      `SELECT calls, rows, total_exec_time + total_plan_time AS ms, total_plan_time AS plan,
         shared_blks_hit + shared_blks_read AS blocks, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       ORDER BY ms DESC LIMIT 30`
    )
    console.log(`statements of the ${phase} phase:`)
    for (const s of top.rows)
      console.log(
        `${s.ms.toFixed(0).padStart(8)} ms (plan ${s.plan.toFixed(0).padStart(6)}) ${s.calls.padStart(7)} calls ${s.rows.padStart(8)} rows ${s.blocks.padStart(10)} blocks  ${s.query}`
      )
    const tables = await client.query<{ relname: string; ins: string; upd: string; hot: string }>(
      `SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables
       WHERE n_tup_upd + n_tup_ins > 0 ORDER BY n_tup_upd + n_tup_ins DESC LIMIT 10`
    )
    for (const t of tables.rows)
      console.log(
        `${t.relname}: ${t.ins} inserted, ${t.upd} updated (${t.hot} HOT) since the database was made`
      )
    await client.query("SELECT pg_stat_statements_reset()")
  }
  const worker = startApp("apps/worker/src/main.ts", env)
  // The phase starts with the first run: the worker has loaded, and its triggers begin.
  const started = async () =>
    Number((await client.query("SELECT count(*) FROM workflow_runs")).rows[0]?.count) > 0
  await waitFor(started, 300_000, 5)
  // `BENCH_STATEMENTS=1` (a server with pg_stat_statements loaded): the workflow phase's statements
  // by total time, printed after the phase.
  const statements = process.env.BENCH_STATEMENTS === "1"
  if (statements) {
    await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    await client.query("SELECT pg_stat_statements_reset()")
  }
  const wfCpuDone = await measure()
  const wfStart = Number(
    (await client.query("SELECT extract(epoch FROM min(started_at)) * 1000 AS t FROM workflow_runs")).rows[0]
      ?.t
  )
  await waitFor(() => counts.wf >= RUNS, 3_600_000, 50)
  const wfCpu = await wfCpuDone()
  if (statements) await dumpStatements("workflow")
  const wfSeconds = (last.wf - wfStart) / 1000
  const summary = (
    await client.query<{ completed: string; first: number; last: number }>(
      `SELECT count(*) FILTER (WHERE status = 'completed') AS completed,
         extract(epoch FROM min(started_at)) AS first, extract(epoch FROM max(completed_at)) AS last
       FROM workflow_runs`
    )
  ).rows[0]
  // A wait's due time is kept in its `waiting` step; the next step is the `waited` one.
  const delays = (
    await client.query<{ p50: number; p99: number; max: number }>(
      `WITH d AS (
         SELECT extract(epoch FROM (s.at - (w.detail->>'wait_until')::timestamptz)) * 1000 AS ms
         FROM workflow_run_steps w
         JOIN workflow_run_steps s ON s.run_id = w.run_id AND s.node_id = w.node_id AND s.outcome = 'waited'
         WHERE w.outcome = 'waiting')
       SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
         percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max FROM d`
    )
  ).rows[0]

  // The same emails, straight through the batch endpoint.
  const directCpuDone = await measure()
  const directStart = Date.now()
  let nextBatch = 0
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let offset = nextBatch; offset < RUNS; offset = nextBatch) {
        nextBatch += 100
        const emails = Array.from({ length: Math.min(100, RUNS - offset) }, (_, i) => ({
          from: "hello@bench.test",
          to: [`direct-${offset + i}@receiver.test`],
          subject: SUBJECT,
          html: HTML
        }))
        await call("POST", "/emails/batch", { emails })
      }
    })
  )
  await waitFor(() => counts.direct >= RUNS, 3_600_000, 50)
  const directCpu = await directCpuDone()
  if (statements) await dumpStatements("direct")
  const directSeconds = (last.direct - directStart) / 1000

  await stop(worker)
  await stop(server)
  await client.end()
  const total = (c: { worker: number; server: number; postgres: number }) => c.worker + c.server + c.postgres
  const perMessage = (c: { worker: number; server: number; postgres: number }) =>
    `worker ${(c.worker / RUNS).toFixed(2)}, API ${(c.server / RUNS).toFixed(2)}, PostgreSQL ${(c.postgres / RUNS).toFixed(2)}, total ${(total(c) / RUNS).toFixed(2)}`
  const completed = Number(summary?.completed)
  const runSeconds = Number(summary?.last) - Number(summary?.first)
  console.log("")
  console.log(`contacts imported (outside both phases): ${importSeconds.toFixed(1)} s`)
  console.log(
    `runs completed: ${completed} of ${RUNS}, ${(completed / runSeconds).toFixed(0)} runs/s (first run started to last completed, ${runSeconds.toFixed(1)} s)`
  )
  console.log(
    `wait's due time to the next step, ms: p50 ${Number(delays?.p50).toFixed(0)}, p99 ${Number(delays?.p99).toFixed(0)}, max ${Number(delays?.max).toFixed(0)}`
  )
  console.log(
    `workflow path: ${wfSeconds.toFixed(1)} s first run to last message at the sink (${(RUNS / wfSeconds).toFixed(0)} msg/s; the 1 s wait included)`
  )
  console.log(
    `direct path:   ${directSeconds.toFixed(1)} s first POST /emails/batch to last message at the sink (${(RUNS / directSeconds).toFixed(0)} msg/s)`
  )
  console.log(`CPU per message, ms: workflow ${perMessage(wfCpu)}`)
  console.log(`                     direct   ${perMessage(directCpu)}`)
  console.log(
    `ratio workflow / direct: wall ${(wfSeconds / directSeconds).toFixed(2)}x, CPU ${(total(wfCpu) / total(directCpu)).toFixed(2)}x  (target <= 1.2x)`
  )
  console.log(`messages at the sink: ${counts.wf} by the workflow, ${counts.direct} direct (load ${load()})`)
  await sink.close()
  await dns.close()
  await db.close()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
