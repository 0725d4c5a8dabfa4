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

const body = JSON.stringify({
  from: "Bench <bench@bench.test>",
  to: ["someone@example.com"],
  subject: "Benchmark",
  html: "<p>Hello from the benchmark</p>",
  tags: ["bench"]
})

const measure = async (name: string, url: string, headers: Record<string, string>, pid: number) => {
  const call = async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body
    })
    await res.arrayBuffer()
    return res.status === 202
  }
  // Warm up: a long-running server has its hot paths compiled; both servers get the same time.
  await closedLoop(WARMUP_SECONDS, CONCURRENCY, call)
  const cpuBefore = cpuMs(pid)
  const postgresBefore = postgresCpuMs()
  const loadBefore = process.cpuUsage()
  const max = await closedLoop(SECONDS, CONCURRENCY, call)
  const requests = max.perSecond * SECONDS
  const cpuPerRequest = (cpuMs(pid) - cpuBefore) / requests
  const load = process.cpuUsage(loadBefore)
  const otherCpu = {
    postgres: (postgresCpuMs() - postgresBefore) / requests,
    load: (load.user + load.system) / 1000 / requests
  }
  const half = await openLoop(SECONDS, Math.max(1, Math.floor(max.perSecond / 2)), call)
  console.log(
    `${name.padEnd(10)} max ${max.perSecond.toFixed(0).padStart(6)} req/s (failed ${max.failed}, server CPU ${cpuPerRequest.toFixed(2)} ms/req)  at ${Math.floor(max.perSecond / 2)} req/s: p50 ${half.p50.toFixed(1)} ms, p99 ${half.p99.toFixed(1)} ms (failed ${half.failed})`
  )
  return { max: max.perSecond, p99: half.p99, cpuPerRequest, otherCpu }
}

/** Starts one of the servers in a process of its own, and waits until `readyUrl` answers. */
const launch = async (entry: string, env: Record<string, string>, readyUrl: string) => {
  const child = startApp(entry, env)
  await waitFor(
    () =>
      fetch(readyUrl).then(
        () => true,
        () => false
      ),
    60_000
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
  const base = await measure("baseline", `http://127.0.0.1:${basePort}/`, {}, baseline.pid ?? 0)
  const ours = await measure("poststack", `${baseUrl}/emails`, auth, server.pid ?? 0)
  console.log(
    `ratio (poststack / baseline throughput): ${(ours.max / base.max).toFixed(2)}x  (target >= 0.5x; p99 at half load ${ours.p99.toFixed(1)} ms, target < 50 ms)`
  )
  console.log(
    `server CPU per request: poststack ${ours.cpuPerRequest.toFixed(2)} ms, baseline ${base.cpuPerRequest.toFixed(2)} ms (${(base.cpuPerRequest / ours.cpuPerRequest).toFixed(2)}x)`
  )
  console.log(
    `PostgreSQL CPU per request: poststack ${ours.otherCpu.postgres.toFixed(2)} ms, baseline ${base.otherCpu.postgres.toFixed(2)} ms; load generator (this process): ${ours.otherCpu.load.toFixed(2)} and ${base.otherCpu.load.toFixed(2)} ms`
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
