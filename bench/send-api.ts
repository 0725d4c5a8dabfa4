import { randomBytes } from "node:crypto"
import { cpus } from "node:os"
import { startDnsServer } from "../test/support/dnsServer.js"
import {
  benchDatabase,
  closedLoop,
  cpuMs,
  freePort,
  openLoop,
  postgresCpuMs,
  startApp,
  verifiedDomain,
  waitFor
} from "./support.js"

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

const body = JSON.stringify({
  from: "Bench <bench@bench.test>",
  to: ["someone@example.com"],
  subject: "Benchmark",
  html: "<p>Hello from the benchmark</p>",
  tags: ["bench"]
})

interface Target {
  readonly name: string
  readonly call: () => Promise<boolean>
  readonly pid: number
}

const target = (name: string, url: string, headers: Record<string, string>, pid: number): Target => ({
  name,
  pid,
  call: async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body
    })
    await res.arrayBuffer()
    return res.status === 202
  }
})

interface Round {
  readonly max: number
  readonly p50: number
  readonly p99: number
  readonly failed: number
  readonly serverCpu: number
  readonly postgresCpu: number
  readonly loadCpu: number
}

/** One round: the most it answers with CONCURRENCY callers, then latency at half that rate. */
const round = async ({ call, pid }: Target): Promise<Round> => {
  const cpuBefore = cpuMs(pid)
  const postgresBefore = postgresCpuMs()
  const loadBefore = process.cpuUsage()
  const max = await closedLoop(SECONDS, CONCURRENCY, call)
  const requests = max.perSecond * SECONDS
  const load = process.cpuUsage(loadBefore)
  const serverCpu = (cpuMs(pid) - cpuBefore) / requests
  const postgresCpu = (postgresCpuMs() - postgresBefore) / requests
  const half = await openLoop(SECONDS, Math.max(1, Math.floor(max.perSecond / 2)), call)
  return {
    max: max.perSecond,
    p50: half.p50,
    p99: half.p99,
    failed: max.failed + half.failed,
    serverCpu,
    postgresCpu,
    loadCpu: (load.user + load.system) / 1000 / requests
  }
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

const describe = (name: string, r: Round) =>
  `${name.padEnd(10)} max ${r.max.toFixed(0).padStart(6)} req/s (server CPU ${r.serverCpu.toFixed(2)} ms/req)  at ${Math.floor(r.max / 2)} req/s: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (failed ${r.failed})`

/** Starts one of the servers in a process of its own, and waits until `readyUrl` answers. */
const launch = async (entry: string, env: Record<string, string>, readyUrl: string) => {
  const child = startApp(entry, env)
  await waitFor(
    () =>
      fetch(readyUrl).then(
        () => true,
        () => false
      ),
    // Compiling and migrating a fresh database takes minutes on a machine shared by many builds.
    180_000
  )
  return child
}

const main = async () => {
  const db = await benchDatabase()
  const dns = await startDnsServer()
  const key = `sk_live_${randomBytes(32).toString("base64url")}`
  const port = await freePort()
  // Each server runs in a process of its own, as in production; the load comes from this one.
  const server = await launch(
    "apps/server/src/main.ts",
    {
      DATABASE_URL: db.url,
      PORT: String(port),
      POSTSTACK_HOST: "127.0.0.1",
      POSTSTACK_BOOTSTRAP_API_KEY: key,
      POSTSTACK_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      POSTSTACK_DNS_SERVERS: dns.address,
      POSTSTACK_SPF: "ip4:127.0.0.1",
      POSTSTACK_MX_HOST: "mx.bench.test",
      POSTSTACK_RATE_LIMIT_REQUESTS: "10000000",
      POSTSTACK_RUN_WORKER: "false",
      POSTSTACK_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info"
    },
    `http://127.0.0.1:${port}/healthz`
  )
  const baseUrl = `http://127.0.0.1:${port}`
  const auth = { Authorization: `Bearer ${key}` }
  await verifiedDomain(baseUrl, key, dns, "bench.test")

  const basePort = await freePort()
  const baseline = await launch(
    "bench/baseline-server.ts",
    { DATABASE_URL: db.url, PORT: String(basePort) },
    `http://127.0.0.1:${basePort}/`
  )

  console.log(
    `POST /emails, ${SECONDS} s per phase, ${CONCURRENCY} concurrent callers, ${cpus().length} cores (servers, load and PostgreSQL share them)`
  )
  const targets = [
    target("baseline", `http://127.0.0.1:${basePort}/`, {}, baseline.pid ?? 0),
    target("poststack", `${baseUrl}/emails`, auth, server.pid ?? 0)
  ]
  // Warm up: a long-running server has its hot paths compiled; both servers get the same time.
  for (const t of targets) await closedLoop(WARMUP_SECONDS, CONCURRENCY, t.call)
  // Rounds alternate between the servers, so a slow spell of a shared machine falls on both.
  const rounds = new Map<string, Array<Round>>(targets.map((t) => [t.name, []]))
  for (let i = 0; i < ROUNDS; i++) {
    for (const t of i % 2 === 0 ? targets : [...targets].reverse()) {
      const r = await round(t)
      rounds.get(t.name)?.push(r)
      console.log(`round ${i + 1}: ${describe(t.name, r)}`)
    }
  }
  const summary = (name: string) => {
    const rs = rounds.get(name) ?? []
    const pick = (f: (r: Round) => number) => median(rs.map(f))
    return {
      max: pick((r) => r.max),
      p50: pick((r) => r.p50),
      p99: pick((r) => r.p99),
      failed: rs.reduce((n, r) => n + r.failed, 0),
      serverCpu: pick((r) => r.serverCpu),
      postgresCpu: pick((r) => r.postgresCpu),
      loadCpu: pick((r) => r.loadCpu)
    }
  }
  const base = summary("baseline")
  const ours = summary("poststack")
  console.log(`medians of ${ROUNDS} rounds:`)
  console.log(describe("baseline", base))
  console.log(describe("poststack", ours))
  console.log(
    `ratio (poststack / baseline throughput): ${(ours.max / base.max).toFixed(2)}x  (target >= 0.5x; p99 at half load ${ours.p99.toFixed(1)} ms, target < 50 ms)`
  )
  console.log(
    `server CPU per request: poststack ${ours.serverCpu.toFixed(2)} ms, baseline ${base.serverCpu.toFixed(2)} ms (${(base.serverCpu / ours.serverCpu).toFixed(2)}x)`
  )
  console.log(
    `PostgreSQL CPU per request: poststack ${ours.postgresCpu.toFixed(2)} ms, baseline ${base.postgresCpu.toFixed(2)} ms; load generator (this process): ${ours.loadCpu.toFixed(2)} and ${base.loadCpu.toFixed(2)} ms`
  )
  for (const child of [server, baseline]) {
    child.kill("SIGTERM")
    await new Promise((r) => child.once("exit", r))
  }
  await dns.close()
  await db.close()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
