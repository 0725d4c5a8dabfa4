import { readFileSync } from "node:fs"
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
  await client.end()
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    close: async () => {
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

/** Open loop: requests started at a fixed rate whatever the answers do; latencies in ms. */
export const openLoop = async (seconds: number, ratePerSecond: number, call: () => Promise<boolean>) => {
  const latencies: Array<number> = []
  let failed = 0
  const total = Math.floor(seconds * ratePerSecond)
  const started = performance.now()
  const pending: Array<Promise<void>> = []
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ratePerSecond
    const wait = due - performance.now()
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
