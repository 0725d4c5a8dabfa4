/**
 * `pnpm bench:compare <checkout> [<checkout> ...]`: POST /emails against this checkout's server and
 * other checkouts' (older commits in `git worktree`s), all running at once, each on a database of its
 * own, with rounds rotating between them so a slow spell of a shared machine falls on each. It
 * prints CPU per accepted email of each server and of each one's PostgreSQL backends (only the
 * backends of its own database, so other work on a shared PostgreSQL does not count), which stay
 * comparable when throughput does not.
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as path from "node:path"
import pg from "pg"
import { startDnsServer, type TestDnsServer } from "../test/support/dnsServer.js"
import {
  benchDatabase,
  closedLoop,
  cpuMs,
  databaseCpuMs,
  freePort,
  START_TIMEOUT_MS,
  verifiedDomain,
  waitFor
} from "./support.js"

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5)

const body = JSON.stringify({
  from: "Bench <bench@bench.test>",
  to: ["someone@example.com"],
  subject: "Benchmark",
  html: "<p>Hello from the benchmark</p>",
  tags: ["bench"]
})

interface Side {
  readonly name: string
  readonly pid: number
  readonly url: string
  readonly key: string
  readonly db: pg.Client
  readonly stop: () => Promise<void>
}

const start = async (name: string, checkout: string, dns: TestDnsServer): Promise<Side> => {
  const database = await benchDatabase()
  const key = `sk_live_${randomBytes(32).toString("base64url")}`
  const port = await freePort()
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter((a) => a !== "")
  const child = spawn(
    process.execPath,
    [
      "--max-semi-space-size=32",
      "--no-allocation-site-pretenuring",
      ...nodeArgs,
      "--import",
      "tsx",
      path.join(checkout, "apps/server/src/main.ts")
    ],
    {
      cwd: checkout,
      env: {
        ...process.env,
        DATABASE_URL: database.url,
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
      stdio: ["ignore", "ignore", "inherit"]
    }
  )
  const url = `http://127.0.0.1:${port}`
  await waitFor(
    () =>
      fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false
      ),
    START_TIMEOUT_MS
  )
  await verifiedDomain(url, key, dns, `${name}.bench.test`)
  const db = new pg.Client({ connectionString: database.url })
  await db.connect()
  return {
    name,
    pid: child.pid ?? 0,
    url,
    key,
    db,
    stop: async () => {
      await db.end()
      child.kill("SIGTERM")
      await new Promise((r) => child.once("exit", r))
      await database.close()
    }
  }
}

const call = (side: Side) => async () => {
  const res = await fetch(`${side.url}/emails`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${side.key}` },
    body: body.replaceAll("bench.test", `${side.name}.bench.test`)
  })
  await res.arrayBuffer()
  return res.status === 202
}

interface Round {
  readonly perSecond: number
  readonly serverCpu: number
  readonly postgresCpu: number
  readonly idleCpuPerSecond: number
}

const round = async (side: Side): Promise<Round> => {
  // What the server spends doing nothing (timers, periodic reads), to tell it apart from requests.
  const idleBefore = cpuMs(side.pid)
  await new Promise((r) => setTimeout(r, 1000))
  const idleCpuPerSecond = cpuMs(side.pid) - idleBefore
  const cpuBefore = cpuMs(side.pid)
  const pgBefore = await databaseCpuMs(side.db)
  const result = await closedLoop(SECONDS, CONCURRENCY, call(side))
  const requests = result.perSecond * SECONDS
  const pgAfter = await databaseCpuMs(side.db, pgBefore.byPid)
  return {
    perSecond: result.perSecond,
    serverCpu: (cpuMs(side.pid) - cpuBefore) / requests,
    postgresCpu: pgAfter.total / requests,
    idleCpuPerSecond
  }
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

const main = async () => {
  const others = process.argv.slice(2)
  if (others.length === 0) throw new Error("usage: pnpm bench:compare <path of another checkout> ...")
  const dns = await startDnsServer()
  const sides: Array<Side> = []
  for (const [i, other] of others.entries())
    sides.push(await start(`other${i + 1}`, path.resolve(other), dns))
  sides.push(await start("this", path.resolve(import.meta.dirname, ".."), dns))
  console.log(
    `POST /emails, ${SECONDS} s per round, ${CONCURRENCY} callers; this checkout against ${others
      .map((o, i) => `other${i + 1} = ${o}`)
      .join(", ")}; CPU per accepted email`
  )
  for (const side of sides) await closedLoop(WARMUP_SECONDS, CONCURRENCY, call(side))
  const rounds = new Map<string, Array<Round>>(sides.map((s) => [s.name, []]))
  for (let i = 0; i < ROUNDS; i++) {
    // Each round starts with another side, so none is always first after the others' rounds.
    const order = [...sides.slice(i % sides.length), ...sides.slice(0, i % sides.length)]
    for (const side of i % 2 === 0 ? order : order.reverse()) {
      const r = await round(side)
      rounds.get(side.name)?.push(r)
      console.log(
        `round ${i + 1}: ${side.name.padEnd(6)} ${r.perSecond.toFixed(0).padStart(5)} req/s  server ${r.serverCpu.toFixed(2)} ms  PostgreSQL ${r.postgresCpu.toFixed(2)} ms  (idle server ${r.idleCpuPerSecond.toFixed(0)} ms/s)`
      )
    }
  }
  const summary = new Map(
    sides.map((s) => {
      const rs = rounds.get(s.name) ?? []
      return [
        s.name,
        {
          perSecond: median(rs.map((r) => r.perSecond)),
          serverCpu: median(rs.map((r) => r.serverCpu)),
          postgresCpu: median(rs.map((r) => r.postgresCpu))
        }
      ] as const
    })
  )
  console.log(`medians of ${ROUNDS} rounds:`)
  for (const [name, s] of summary)
    console.log(
      `${name.padEnd(6)} ${s.perSecond.toFixed(0).padStart(5)} req/s  server ${s.serverCpu.toFixed(2)} ms/email  PostgreSQL ${s.postgresCpu.toFixed(2)} ms/email`
    )
  const a = summary.get("this")
  for (const [name, b] of summary)
    if (a !== undefined && name !== "this")
      console.log(
        `this / ${name}: throughput ${(a.perSecond / b.perSecond).toFixed(2)}x, server CPU ${(a.serverCpu / b.serverCpu).toFixed(2)}x, PostgreSQL CPU ${(a.postgresCpu / b.postgresCpu).toFixed(2)}x`
      )
  for (const side of sides) await side.stop()
  await dns.close()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
