import { randomBytes } from "node:crypto"
import { Agent, createServer, request } from "node:http"
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net"
import pg from "pg"
import {
  benchDatabase,
  cpuMs,
  databaseCpuMs,
  freePort,
  START_TIMEOUT_MS,
  startApp,
  waitFor
} from "./support.js"

const COUNT = Number(process.env.BENCH_EVENTS ?? 2000)
const PER_ENDPOINT = 4
/** Events of the warm-up round, not measured (the worker's code compiled, its endpoint's slots grown). */
const WARMUP = Number(process.env.BENCH_WARMUP ?? Math.ceil(COUNT / 10))
/** The backlog case: this many pending deliveries (0 skips it) across that many endpoints, watched for a while. */
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1_000_000)
const BACKLOG_ENDPOINTS = Number(process.env.BENCH_BACKLOG_ENDPOINTS ?? 1000)
const BACKLOG_SECONDS = Number(process.env.BENCH_BACKLOG_SECONDS ?? 20)

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

const payload = (i: number) =>
  JSON.stringify({
    email_id: `em_${i.toString(16).padStart(32, "0")}`,
    from: "Shop <orders@bench.test>",
    to: [`r${i}@example.com`],
    subject: "Your order has shipped",
    tags: ["bench"],
    recipient: `r${i}@example.com`,
    reply: "250 2.0.0 OK"
  })

const main = async () => {
  // The healthy receiver counts what arrives; the dead one holds every connection, silent.
  let received = 0
  const endpointsReached = new Set<string>()
  const receiver = createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      received++
      endpointsReached.add(req.url ?? "")
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", () => resolve()))
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  const held: Array<Socket> = []
  const dead = createTcpServer((socket) => held.push(socket))
  await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", () => resolve()))
  const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/hook`

  // Baseline: the same number of POSTs, kept alive, 4 at once (the dispatcher starts an endpoint at 4).
  const agent = new Agent({ keepAlive: true, maxSockets: PER_ENDPOINT })
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request(receiverUrl, {
        method: "POST",
        agent,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }
      })
      req.on("response", (res) => {
        res.resume()
        res.on("end", resolve)
      })
      req.on("error", reject)
      req.end(body)
    })
  received = 0
  const t0 = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: PER_ENDPOINT }, async () => {
      while (next < COUNT) await post(payload(next++))
    })
  )
  const baseline = COUNT / ((performance.now() - t0) / 1000)
  agent.destroy()

  const db = await benchDatabase()
  const key = `sk_live_${randomBytes(32).toString("base64url")}`
  const port = await freePort()
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    POSTSTACK_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    POSTSTACK_WEBHOOKS_ALLOW_LOOPBACK: "true",
    POSTSTACK_WEBHOOK_TIMEOUT_MS: "5000",
    POSTSTACK_LOG_LEVEL: "warning"
  }
  const start = (entry: string, extra: Record<string, string>) => startApp(entry, { ...env, ...extra })
  const api = start("apps/server/src/main.ts", {
    PORT: String(port),
    POSTSTACK_HOST: "127.0.0.1",
    POSTSTACK_BOOTSTRAP_API_KEY: key,
    POSTSTACK_RUN_WORKER: "false",
    POSTSTACK_SMTP_SUBMISSION_PORT: "off",
    POSTSTACK_SMTP_SUBMISSION_TLS_PORT: "off",
    POSTSTACK_SMTP_INBOUND_PORT: "off"
  })
  const baseUrl = `http://127.0.0.1:${port}`
  await waitFor(
    () =>
      fetch(`${baseUrl}/healthz`).then(
        (r) => r.ok,
        () => false
      ),
    START_TIMEOUT_MS
  )
  const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
  const subscribe = async (url: string) => {
    const res = await fetch(`${baseUrl}/webhooks`, {
      method: "POST",
      headers,
      body: JSON.stringify({ url, events: ["*"] })
    })
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`webhook refused: ${res.status} ${await res.text()}`)
    return ((await res.json()) as { webhook: { id: number } }).webhook.id
  }
  const healthy = await subscribe(receiverUrl)
  const worker = start("apps/worker/src/main.ts", {})

  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  const team = (await client.query("SELECT team_id FROM api_keys LIMIT 1")).rows[0]?.team_id as number
  /** CPU per delivery of the worker and of PostgreSQL (this database's backends) while `run` runs. */
  const measured = async <A>(deliveries: () => number, run: () => Promise<A>) => {
    const worker0 = cpuMs(worker.pid ?? 0)
    const db0 = await databaseCpuMs(client)
    const result = await run()
    const n = Math.max(1, deliveries())
    return {
      result,
      workerMs: (cpuMs(worker.pid ?? 0) - worker0) / n,
      postgresMs: (await databaseCpuMs(client, db0.byPid)).total / n
    }
  }
  const cpu = (m: { workerMs: number; postgresMs: number }) =>
    `(CPU per delivery: worker ${m.workerMs.toFixed(2)} ms, PostgreSQL ${m.postgresMs.toFixed(2)} ms)`

  /** Writes `count` events to the outbox at once, then times their arrival at the healthy receiver. */
  const fanOut = async (count = COUNT) => {
    received = 0
    await client.query(
      `INSERT INTO events (team_id, type, payload)
       SELECT $1, 'email.delivered', $2::jsonb || jsonb_build_object('n', n) FROM generate_series(1, $3) AS n`,
      [team, payload(0), count]
    )
    await waitFor(() => received > 0, 60_000)
    const started = performance.now()
    const first = received
    await waitFor(() => received >= count, 600_000)
    return (count - first) / ((performance.now() - started) / 1000)
  }
  // Warm-up, not measured: the worker has started and its code is compiled, as the baseline's is.
  await fanOut(WARMUP)
  const alone = await measured(
    () => received,
    () => fanOut()
  )
  const deadHook = await subscribe(deadUrl)
  const withDead = await measured(
    () => received,
    () => fanOut()
  )

  console.log(
    `webhook fan-out, ${COUNT} events (warm-up ${WARMUP}), signed; the baseline keeps ${PER_ENDPOINT} requests in flight, the worker up to its per-endpoint maximum`
  )
  console.log(`baseline (raw keep-alive POSTs)         ${baseline.toFixed(0)} deliveries/s`)
  console.log(
    `poststack, one healthy endpoint          ${alone.result.toFixed(0)} deliveries/s ${cpu(alone)}`
  )
  console.log(
    `poststack, plus one dead endpoint        ${withDead.result.toFixed(0)} deliveries/s to the healthy one ${cpu(withDead)}`
  )
  console.log(
    `ratio (poststack / baseline): ${(alone.result / baseline).toFixed(2)}x; healthy with a dead neighbour / alone: ${(withDead.result / alone.result).toFixed(2)}x (1.0 means unaffected)`
  )
  if (BACKLOG > 0) {
    // The backlog case: BACKLOG pending deliveries spread over BACKLOG_ENDPOINTS endpoints (paths
    // of the same receiver, sharing the first endpoint's sealed secret), written in one statement
    // as a long outage would leave them, then BACKLOG_SECONDS of dispatching.
    const started = performance.now()
    const hooks = await client.query<{ id: number }>(
      `INSERT INTO webhooks (team_id, url, events, secret_sealed, secret_prefix)
       SELECT team_id, $2 || '/' || n, ARRAY['bench.backlog'], secret_sealed, secret_prefix
       FROM webhooks, generate_series(1, $3) AS n WHERE id = $1 RETURNING id`,
      [healthy, `${receiverUrl}/backlog`, BACKLOG_ENDPOINTS]
    )
    for (const id of [healthy, deadHook])
      await fetch(`${baseUrl}/webhooks/${id}`, { method: "DELETE", headers })
    await client.query(
      `INSERT INTO webhook_deliveries (webhook_id, team_id, event_public_id, event_type, data, event_created_at,
         status, next_attempt_at)
       SELECT ($1::int[])[1 + n % cardinality($1::int[])], $2, 'evt_backlog_' || n, 'email.delivered', $3::jsonb,
         now(), 'pending', now()
       FROM generate_series(0, $4 - 1) AS n`,
      [hooks.rows.map((r) => r.id), team, payload(0), BACKLOG]
    )
    await client.query("ANALYZE webhook_deliveries")
    const written = (performance.now() - started) / 1000
    received = 0
    endpointsReached.clear()
    await waitFor(() => received > 0, 60_000)
    const backlog = await measured(
      () => received,
      async () => {
        const first = received
        await new Promise((r) => setTimeout(r, BACKLOG_SECONDS * 1000))
        return (received - first) / BACKLOG_SECONDS
      }
    )
    // One claim as the worker makes it (50 free slots), timed inside a transaction rolled back.
    const claims: Array<number> = []
    for (let i = 0; i < 10; i++) {
      await client.query("BEGIN")
      const t = performance.now()
      await client.query(
        "SELECT count(*) FROM claim_webhook_deliveries(now(), 50, $1, now() + interval '1 minute', now() + interval '1 day', $2, '{}'::int[], '{}'::int[])",
        [PER_ENDPOINT, hooks.rows[Math.floor(Math.random() * hooks.rows.length)]?.id ?? 0]
      )
      claims.push(performance.now() - t)
      await client.query("ROLLBACK")
    }
    console.log(
      `backlog: ${BACKLOG.toLocaleString("en")} pending deliveries across ${BACKLOG_ENDPOINTS.toLocaleString("en")} endpoints (written in ${written.toFixed(0)} s)`
    )
    console.log(
      `poststack, ${BACKLOG_SECONDS} s into the backlog        ${backlog.result.toFixed(0)} deliveries/s to ${endpointsReached.size} endpoints ${cpu(backlog)}`
    )
    console.log(
      `one claim of 50 beside that backlog: median ${median(claims).toFixed(1)} ms (10 claims, rolled back)`
    )
  }
  for (const child of [api, worker]) child.kill("SIGTERM")
  await Promise.all([api, worker].map((c) => new Promise((r) => c.once("exit", r))))
  await client.end()
  for (const s of held) s.destroy()
  dead.close()
  receiver.close()
  await db.close()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
