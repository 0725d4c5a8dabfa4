import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { open, rm } from "node:fs/promises"
import * as path from "node:path"
import type { TestDnsServer } from "../test/support/dnsServer.js"
import { freePort } from "../test/support/net.js"
import { startThrowawayPostgres } from "../test/support/throwawayPostgres.js"
import pg from "pg"

/**
 * A PostgreSQL for a bench: `POSTSTACK_BENCH_DATABASE_URL` (a superuser URL), else the machine's
 * on 127.0.0.1:5432 when it answers, else an embedded one. Each bench gets a fresh database.
 */
export const benchDatabase = async (): Promise<{ url: string; close: () => Promise<void> }> => {
  let admin = process.env.POSTSTACK_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
  let stop = async () => {}
  const probe = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 1000 })
  try {
    await probe.connect()
    await probe.end()
  } catch {
    // Benches keep fsync on: durability is part of what they measure.
    const server = await startThrowawayPostgres({ fsync: true })
    admin = server.url
    stop = server.stop
  }
  const name = `bench_${Date.now()}`
  const client = new pg.Client({ connectionString: admin })
  await client.connect()
  await client.query(`CREATE DATABASE ${name}`)
  // `BENCH_LOG_STATEMENTS_MS=0` writes every statement of this database, with its duration, to the
  // PostgreSQL server's log (where the time of a bench goes, statement by statement).
  const logMs = process.env.BENCH_LOG_STATEMENTS_MS
  if (logMs !== undefined && /^\d+$/.test(logMs))
    await client.query(`ALTER DATABASE ${name} SET log_min_duration_statement = ${logMs}`)
  await client.end()
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    close: async () => {
      // `BENCH_KEEP_DATABASE=1` leaves the database for a look afterwards (EXPLAIN, statistics).
      if (process.env.BENCH_KEEP_DATABASE === "1") return stop()
      const c = new pg.Client({ connectionString: admin })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
      await stop()
    }
  }
}

export const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0)

/** Closed loop: `concurrency` callers, each sending as soon as its last answer came, for `seconds`. */
export const closedLoop = async (seconds: number, concurrency: number, call: () => Promise<boolean>) => {
  const deadline = Date.now() + seconds * 1000
  let ok = 0
  let failed = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        if (await call()) ok++
        else failed++
      }
    })
  )
  return { perSecond: ok / seconds, failed }
}

/** Open loop (requests started at a fixed rate, whatever the answers do) for as long as `running` holds; latencies in ms. */
export const openLoopWhile = async (
  running: (sent: number) => boolean,
  ratePerSecond: number,
  call: () => Promise<boolean>
) => {
  const latencies: Array<number> = []
  let failed = 0
  const started = performance.now()
  const pending: Array<Promise<void>> = []
  for (let i = 0; running(i); i++) {
    const wait = started + (i * 1000) / ratePerSecond - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    pending.push(
      (async () => {
        const t = performance.now()
        if (await call()) latencies.push(performance.now() - t)
        else failed++
      })()
    )
  }
  await Promise.all(pending)
  latencies.sort((a, b) => a - b)
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), failed, count: latencies.length }
}

/** Open loop: `seconds` worth of requests started at a fixed rate whatever the answers do; latencies in ms. */
export const openLoop = (seconds: number, ratePerSecond: number, call: () => Promise<boolean>) => {
  const total = Math.floor(seconds * ratePerSecond)
  return openLoopWhile((i) => i < total, ratePerSecond, call)
}

export { freePort }

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc. CPU per request is
 * steadier than requests per second when other work shares the cores.
 */
export const cpuMs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
}
const CLOCK_TICKS = 100

/** A process's CPU time split into user and kernel (system calls: socket writes and reads), in ms. */
export const cpuSplitMs = (pid: number): { readonly user: number; readonly system: number } => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
  return {
    user: (Number(fields[11]) * 1000) / CLOCK_TICKS,
    system: (Number(fields[12]) * 1000) / CLOCK_TICKS
  }
}

/** CPU time of every PostgreSQL process on the machine (the server and its backends), in ms. */
export const postgresCpuMs = (): number => {
  let total = 0
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "postgres") total += cpuMs(Number(entry))
    } catch {
      // The process ended while it was being read.
    }
  }
  return total
}

/**
 * A per-process time (`read`, in ms) of the PostgreSQL backends serving one database (the asking
 * connection's included), by process. Pass an earlier reading to get the time since (backends
 * that started since count from zero).
 */
export const databaseBackendsMs = async (
  client: pg.Client,
  read: (pid: number) => number,
  since?: ReadonlyMap<number, number>
): Promise<{ readonly total: number; readonly byPid: ReadonlyMap<number, number> }> => {
  const rows = (
    await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
  ).rows
  const byPid = new Map<number, number>()
  let total = 0
  for (const { pid } of rows) {
    try {
      const used = read(pid)
      byPid.set(pid, used)
      total += used - (since?.get(pid) ?? 0)
    } catch {
      // The backend ended while it was being read.
    }
  }
  return { total, byPid }
}

/**
 * CPU time of the PostgreSQL backends serving one database, by process, in ms: unlike
 * `postgresCpuMs`, other work on a shared server does not count.
 */
export const databaseCpuMs = (client: pg.Client, since?: ReadonlyMap<number, number>) =>
  databaseBackendsMs(client, cpuMs, since)

/**
 * PostgreSQL's CPU for one database from now on, read every second: a backend that ends (a pool
 * closing an idle connection) takes its figure with it, so each is counted while it lives. `stop`
 * takes a last reading and gives the total in ms.
 */
export const databaseCpuSampler = async (client: pg.Client) => {
  const state = { total: 0, byPid: (await databaseCpuMs(client)).byPid }
  const read = async () => {
    const reading = await databaseCpuMs(client, state.byPid)
    state.total += reading.total
    state.byPid = reading.byPid
  }
  const timer = setInterval(() => void read().catch(() => {}), 1000)
  return {
    stop: async (): Promise<number> => {
      clearInterval(timer)
      await read()
      return state.total
    }
  }
}

const root = path.resolve(import.meta.dirname, "..")

/**
 * The node flags of package.json's start scripts: a young generation of up to 32 MiB per semi-space
 * (V8's default is 16) halves the scavenges of a busy server, about a tenth of its CPU per request;
 * without allocation-site pretenuring a scavenge keeps a quarter of what it did and pauses half as
 * long (docs/benchmarks.md, session 18).
 */
const START_FLAGS = ["--max-semi-space-size=32", "--no-allocation-site-pretenuring"]

/**
 * Starts one of the apps in a process of its own (node itself, so signals and /proc figures are
 * the app's), with the flags `pnpm start` uses. `BENCH_NODE_ARGS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof"` profiles it.
 */
export const startApp = (entry: string, env: Record<string, string>) => {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter((a) => a !== "")
  return spawn(process.execPath, [...START_FLAGS, ...nodeArgs, "--import", "tsx", path.join(root, entry)], {
    cwd: root,
    env: { ...process.env, ...env },
    // `BENCH_APP_STDOUT=inherit` shows what the app prints (`--trace-gc` in BENCH_NODE_ARGS writes there).
    stdio: ["ignore", process.env.BENCH_APP_STDOUT === "inherit" ? "inherit" : "ignore", "inherit"]
  })
}

/**
 * How long a bench waits for a server it started to answer (`BENCH_START_TIMEOUT_MS`, 5 minutes by
 * default): on a small machine shared with other work, compiling the apps and running every
 * migration has taken longer than one minute.
 */
export const START_TIMEOUT_MS = Number(process.env.BENCH_START_TIMEOUT_MS ?? 300_000)

export const waitFor = async (
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  intervalMs = 50
) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out")
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/** Waits until the API answers, then adds `name` as a sending domain and verifies it on `dns`. */
export const verifiedDomain = async (baseUrl: string, key: string, dns: TestDnsServer, name: string) => {
  await waitFor(
    () =>
      fetch(`${baseUrl}/healthz`).then(
        (r) => r.ok,
        () => false
      ),
    START_TIMEOUT_MS
  )
  const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
  const created = (await (
    await fetch(`${baseUrl}/domains`, { method: "POST", headers, body: JSON.stringify({ name }) })
  ).json()) as { domain: { id: number; dnsRecords: Array<{ type: string; name: string; value: string }> } }
  for (const r of created.domain.dnsRecords) dns.publish(r.name, r.type as "TXT" | "MX", r.value)
  const verified = (await (
    await fetch(`${baseUrl}/domains/${created.domain.id}/verify`, { method: "POST", headers })
  ).json()) as { domain: { status: string } }
  if (verified.domain.status !== "verified") throw new Error(`bench domain ${name} did not verify`)
}

/**
 * What every app process of a bench shares: the database, a fresh encryption key, the loopback
 * DNS server and, when there is one, the SMTP sink as every recipient's MX.
 */
export const benchEnv = (options: {
  readonly databaseUrl: string
  readonly dns: TestDnsServer
  readonly mxPort?: number
}): Record<string, string> => ({
  DATABASE_URL: options.databaseUrl,
  POSTSTACK_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  POSTSTACK_DNS_SERVERS: options.dns.address,
  POSTSTACK_SPF: "ip4:127.0.0.1",
  POSTSTACK_MX_HOST: "mx.bench.test",
  POSTSTACK_LOG_LEVEL: "warning",
  // The sink is on loopback, which production refuses as an MX address.
  ...(options.mxPort === undefined
    ? {}
    : { POSTSTACK_MX_PORT: String(options.mxPort), POSTSTACK_SMTP_ALLOW_PRIVATE_MX: "true" })
})

/**
 * Times an 8 KiB write and `fdatasync` of a scratch file every `intervalMs` until `stop` is called,
 * which answers the sorted latencies in ms: how long the disk takes to flush, what every commit of
 * `POST /emails` waits for (the scratch file lives in the temporary directory; on a one-disk
 * machine that is PostgreSQL's disk too).
 */
export const flushProbe = (file: string, intervalMs = 100) => {
  let running = true
  const latencies: Array<number> = []
  const done = (async () => {
    const handle = await open(file, "w")
    const block = Buffer.alloc(8192, 1)
    try {
      for (let offset = 0; running; offset = (offset + block.length) % (16 * 1024 * 1024)) {
        const started = performance.now()
        await handle.write(block, 0, block.length, offset)
        await handle.datasync()
        latencies.push(performance.now() - started)
        await new Promise((r) => setTimeout(r, intervalMs))
      }
    } finally {
      await handle.close()
      await rm(file, { force: true })
    }
  })()
  return {
    stop: async () => {
      running = false
      await done
      return latencies.sort((a, b) => a - b)
    }
  }
}
