import { randomBytes } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import pg from "pg"
import { startDnsServer } from "../test/support/dnsServer.js"
import {
  benchDatabase,
  cpuMs,
  databaseBackendsMs,
  databaseCpuMs,
  freePort,
  openLoop,
  START_TIMEOUT_MS,
  startApp,
  verifiedDomain,
  waitFor
} from "./support.js"

/**
 * `POST /emails` latency at a steady rate, alone and while people sign in at a steady rate
 * (Argon2id at production cost, m = 19 MiB, t = 2, p = 1).
 *
 * Target: at a realistic sign-in rate (10/s) the p99 of `POST /emails` with sign-ins is at most
 * 1.2x the p99 without. The higher rates (100/s by default) are past what one hashing lane
 * serves: they show what an overload does to sending (and to the sign-ins themselves).
 *
 * Method: the load of a shared machine drifts over a minute, so one long phase without sign-ins
 * followed by one with them compares two different machines. Here short phases alternate, without
 * / with / without / ... / without, and each phase with sign-ins is compared with the mean p99
 * of the two phases around it (printed per round). The verdict is the median p99 of the phases
 * with sign-ins over the median p99 of the phases without: one slow phase without sign-ins drags
 * two per-round ratios down, and must not pass the target on its own.
 * Sign-ins still queued when a phase ends are waited for (outside any phase), so no hashing
 * spills into the next phase without sign-ins. CPU (server, hashing process, this database's
 * PostgreSQL backends) is read per phase: CPU per operation is steadier than latency on a shared
 * machine.
 *
 * BENCH_RATE (POST /emails per second, 100), BENCH_SIGN_IN_RATES ("10,100"), BENCH_ROUNDS (5),
 * BENCH_PHASE_SECONDS (4).
 */
const RATE = Number(process.env.BENCH_RATE ?? 100)
const SIGN_IN_RATES = (process.env.BENCH_SIGN_IN_RATES ?? "10,100")
  .split(",")
  .map(Number)
  .filter((r) => r > 0)
/** A first phase of sign-ins alone (no emails), at 10/s: their own CPU, read directly. 0 skips it. */
const ALONE_SECONDS = Number(process.env.BENCH_SIGN_INS_ALONE_SECONDS ?? 4)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const PHASE_SECONDS = Number(process.env.BENCH_PHASE_SECONDS ?? 4)
const TARGET = 1.2
const PASSWORD = "bench passphrase, long enough"
/** Each account signs in at most ten times a quarter hour (the brute-force guard): enough for the run. */
const ACCOUNTS =
  Math.ceil(((Math.max(0, ...SIGN_IN_RATES) * PHASE_SECONDS * ROUNDS + 10 * ALONE_SECONDS) * 1.2) / 7) + 10

const body = JSON.stringify({
  from: "Bench <bench@bench.test>",
  to: ["someone@example.com"],
  subject: "Benchmark",
  text: "Hello from the benchmark"
})

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length / 2
  return sorted.length === 0
    ? 0
    : sorted.length % 2 === 1
      ? (sorted[Math.floor(mid)] ?? 0)
      : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** The server's hashing process (a child running argon2Process.cjs), found once it has started. */
const hashingPid = (serverPid: number): number | undefined => {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const parent = Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.split(" ")[1])
      if (parent === serverPid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("argon2Process"))
        return Number(entry)
    } catch {
      // The process ended while it was being read.
    }
  }
  return undefined
}

interface Phase {
  readonly p50: number
  readonly p99: number
  readonly failed: number
  readonly emails: number
  readonly signIns: number
  readonly refused: number
  readonly signInLatencies: ReadonlyArray<number>
  /** From the phase's start to the last sign-in answered (ms). */
  readonly signInSpan: number
  readonly cpu: { readonly server: number; readonly hashing: number; readonly postgres: number }
  /** Time the server's threads and this database's backends spent runnable but not running (ms). */
  readonly waited: { readonly server: number; readonly postgres: number }
}

/**
 * Time a process's threads have waited for a core so far (runnable, not running), in ms, from
 * /proc/PID/task/TID/schedstat: what other work on the cores costs it, whatever its own CPU.
 */
const runQueueMs = (pid: number): number => {
  let total = 0
  try {
    for (const task of readdirSync(`/proc/${pid}/task`))
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[1]) / 1e6
      } catch {
        // The thread ended while it was being read.
      }
  } catch {
    // The process ended.
  }
  return total
}
/** CPU time of a process's threads so far by thread name (main thread, V8 workers, libuv pool...), ms. */
const cpuByThread = (pid: number): Map<string, number> => {
  const byName = new Map<string, number>()
  for (const task of readdirSync(`/proc/${pid}/task`))
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8")
      const name =
        task === String(pid) ? "main thread" : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
      byName.set(name, (byName.get(name) ?? 0) + ms)
    } catch {
      // The thread ended while it was being read.
    }
  return byName
}
const backendsWaited = (client: pg.Client, since?: ReadonlyMap<number, number>) =>
  databaseBackendsMs(client, runQueueMs, since)

const main = async () => {
  const db = await benchDatabase()
  const dns = await startDnsServer()
  const key = `sk_live_${randomBytes(32).toString("base64url")}`
  const port = await freePort()
  const server = startApp("apps/server/src/main.ts", {
    DATABASE_URL: db.url,
    PORT: String(port),
    POSTSTACK_HOST: "127.0.0.1",
    POSTSTACK_BOOTSTRAP_API_KEY: key,
    POSTSTACK_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    POSTSTACK_DNS_SERVERS: dns.address,
    POSTSTACK_SPF: "ip4:127.0.0.1",
    POSTSTACK_MX_HOST: "mx.bench.test",
    POSTSTACK_RATE_LIMIT_REQUESTS: "10000000",
    // Each person signs in from an address of their own (X-Forwarded-For), as people do.
    POSTSTACK_TRUSTED_PROXY_HOPS: "1",
    POSTSTACK_RUN_WORKER: "false",
    POSTSTACK_LOG_LEVEL: "warning"
  })
  const serverPid = server.pid ?? 0
  const baseUrl = `http://127.0.0.1:${port}`
  await waitFor(
    () =>
      fetch(`${baseUrl}/healthz`).then(
        (r) => r.ok,
        () => false
      ),
    START_TIMEOUT_MS
  )
  await verifiedDomain(baseUrl, key, dns, "bench.test")

  // One person signs up through the API (a real Argon2id hash, a team); the others are copies of
  // them in the same team, made in SQL: signing up hundreds through the API would take minutes.
  const addressOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
  const emails = Array.from({ length: ACCOUNTS }, (_, i) => `person${i}@bench.test`)
  await fetch(`${baseUrl}/auth/sign-up`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": addressOf(0) },
    body: JSON.stringify({ email: emails[0], password: PASSWORD })
  })
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  await client.query(
    `WITH first AS (SELECT u.id, u.password_hash, m.team_id FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.email = $1),
     made AS (
       INSERT INTO users (id, email, password_hash)
       SELECT 'usr_' || substr(md5(random()::text || n), 1, 24), 'person' || n || '@bench.test', first.password_hash
       FROM first, generate_series(1, $2::int - 1) AS n
       RETURNING id)
     INSERT INTO memberships (team_id, user_id, role) SELECT first.team_id, made.id, 'member' FROM first, made`,
    [emails[0], ACCOUNTS]
  )
  await client.query("UPDATE users SET email_verified_at = now()")

  const send = async () => {
    const res = await fetch(`${baseUrl}/emails`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body
    })
    await res.arrayBuffer()
    return res.status === 202
  }
  let nextAccount = 0
  const signIn = async () => {
    const i = nextAccount++ % ACCOUNTS
    const started = performance.now()
    const res = await fetch(`${baseUrl}/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": addressOf(i) },
      body: JSON.stringify({ email: emails[i], password: PASSWORD })
    })
    await res.arrayBuffer()
    return { ok: res.status === 200, ms: performance.now() - started }
  }

  // Every account signs in once (a person's first sign-in sends no new-device notice), and the
  // hashing process has started.
  for (let i = 0; i < ACCOUNTS; i += 8) await Promise.all(Array.from({ length: 8 }, signIn))
  const hashing = hashingPid(serverPid)
  if (hashing === undefined) throw new Error("the server's hashing process was not found")

  const phase = async (signInRate: number, emailsToo = true, seconds = PHASE_SECONDS): Promise<Phase> => {
    const before = {
      server: cpuMs(serverPid),
      hashing: cpuMs(hashing),
      postgres: await databaseCpuMs(client),
      serverWaited: runQueueMs(serverPid),
      postgresWaited: await backendsWaited(client)
    }
    const phaseStarted = performance.now()
    const signIns: Array<Promise<{ ok: boolean; ms: number }>> = []
    const generator = (async () => {
      if (signInRate === 0) return
      const total = Math.floor(seconds * signInRate)
      const started = performance.now()
      for (let i = 0; i < total; i++) {
        const wait = started + (i * 1000) / signInRate - performance.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        signIns.push(signIn())
      }
    })()
    const [loop] = await Promise.all([
      emailsToo
        ? openLoop(PHASE_SECONDS, RATE, send)
        : generator.then(() => ({ p50: 0, p99: 0, failed: 0, count: 0 })),
      generator
    ])
    const answered = await Promise.all(signIns)
    const signInSpan = performance.now() - phaseStarted
    return {
      ...loop,
      emails: loop.count,
      signIns: answered.filter((a) => a.ok).length,
      refused: answered.filter((a) => !a.ok).length,
      signInLatencies: answered.map((a) => a.ms).sort((a, b) => a - b),
      signInSpan,
      cpu: {
        server: cpuMs(serverPid) - before.server,
        hashing: cpuMs(hashing) - before.hashing,
        postgres: (await databaseCpuMs(client, before.postgres.byPid)).total
      },
      waited: {
        server: runQueueMs(serverPid) - before.serverWaited,
        postgres: (await backendsWaited(client, before.postgresWaited.byPid)).total
      }
    }
  }

  console.log(
    `POST /emails at ${RATE}/s; ${cpus().length} cores shared by server, hashing, PostgreSQL and load; ` +
      `Argon2id m=19 MiB t=2 p=1; ${ROUNDS} rounds of ${PHASE_SECONDS} s phases, without/with sign-ins alternating`
  )
  console.log(
    `target: p99 with sign-ins <= ${TARGET}x without at 10 sign-ins/s; hashing scheduler ${process.env.POSTSTACK_ARGON2_SCHEDULER ?? "idle"}, nice ${process.env.POSTSTACK_ARGON2_NICE ?? 10}`
  )
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")
  console.log(`load average at start ${load()}`)
  await openLoop(2, RATE, send)
  if (ALONE_SECONDS > 0) {
    // The server's, hashing process's and database's CPU with nothing to do, for as long: the sign-ins'
    // own CPU is beyond it.
    const idleBefore = { server: cpuMs(serverPid), postgres: await databaseCpuMs(client) }
    await new Promise((r) => setTimeout(r, ALONE_SECONDS * 1000))
    const idle = {
      server: cpuMs(serverPid) - idleBefore.server,
      postgres: (await databaseCpuMs(client, idleBefore.postgres.byPid)).total
    }
    const threadsBefore = cpuByThread(serverPid)
    const alone = await phase(10, false, ALONE_SECONDS)
    const threads = [...cpuByThread(serverPid)]
      .map(([name, ms]) => [name, ms - (threadsBefore.get(name) ?? 0)] as const)
      .filter(([, ms]) => ms > 0)
      .sort((a, b) => b[1] - a[1])
    const n = Math.max(1, alone.signIns + alone.refused)
    const at = (p: number) =>
      alone.signInLatencies[
        Math.min(alone.signInLatencies.length - 1, Math.floor((p / 100) * alone.signInLatencies.length))
      ] ?? 0
    console.log(
      `sign-ins alone (10/s for ${ALONE_SECONDS} s, no emails): ${alone.signIns} ok, ${alone.refused} refused; latency p50 ${at(50).toFixed(0)} ms, p99 ${at(99).toFixed(0)} ms\n` +
        `  CPU per sign-in: server ${((alone.cpu.server - idle.server) / n).toFixed(2)} ms, PostgreSQL ${((alone.cpu.postgres - idle.postgres) / n).toFixed(2)} ms, hashing process ${(alone.cpu.hashing / n).toFixed(1)} ms ` +
        `(beyond ${idle.server.toFixed(0)} ms of server and ${idle.postgres.toFixed(0)} ms of PostgreSQL CPU in as long idle)\n` +
        `  server CPU per sign-in by thread: ${threads.map(([name, ms]) => `${name} ${(ms / n).toFixed(2)}`).join(", ")} ms`
    )
  }
  for (const rate of SIGN_IN_RATES) {
    // Each phase as it ends, so a run cut short still says what it saw.
    const logged = async (signInRate: number) => {
      const p = await phase(signInRate)
      console.log(
        `  phase ${signInRate === 0 ? "without" : "with   "}: p99 ${p.p99.toFixed(1)} ms, p50 ${p.p50.toFixed(1)} ms` +
          (signInRate === 0
            ? ""
            : `; sign-ins ${p.signIns} ok, ${p.refused} refused, done after ${(p.signInSpan / 1000).toFixed(1)} s`) +
          `; load ${load()}`
      )
      return p
    }
    const without: Array<Phase> = [await logged(0)]
    const withSignIns: Array<Phase> = []
    for (let round = 0; round < ROUNDS; round++) {
      withSignIns.push(await logged(rate))
      without.push(await logged(0))
    }
    const ratios = withSignIns.map(
      (w, i) => w.p99 / (((without[i]?.p99 ?? 0) + (without[i + 1]?.p99 ?? 0)) / 2)
    )
    const cpuPerEmail = (ps: ReadonlyArray<Phase>, part: keyof Phase["cpu"]) =>
      median(ps.map((p) => p.cpu[part] / Math.max(1, p.emails)))
    const signedIn = withSignIns.reduce((n, p) => n + p.signIns, 0)
    const refused = withSignIns.reduce((n, p) => n + p.refused, 0)
    // The server's and PostgreSQL's CPU a sign-in adds: a phase's CPU beyond what its emails cost
    // in the phases around it.
    const extra = (part: "server" | "postgres") =>
      median(
        withSignIns.map(
          (w) => (w.cpu[part] - w.emails * cpuPerEmail(without, part)) / Math.max(1, w.signIns + w.refused)
        )
      )
    const latencies = withSignIns.flatMap((p) => p.signInLatencies).sort((a, b) => a - b)
    const at = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0
    const ratio = median(withSignIns.map((p) => p.p99)) / median(without.map((p) => p.p99))
    const achieved = (signedIn + refused) / (withSignIns.reduce((ms, p) => ms + p.signInSpan, 0) / 1000)
    console.log(`\n${rate} sign-ins/s (load average ${load()}):`)
    console.log(
      `  POST /emails p99 without: ${without.map((p) => p.p99.toFixed(1)).join(" ")} ms (median ${median(without.map((p) => p.p99)).toFixed(1)}, p50 ${median(without.map((p) => p.p50)).toFixed(1)})`
    )
    console.log(
      `  POST /emails p99 with:    ${withSignIns.map((p) => p.p99.toFixed(1)).join(" ")} ms (median ${median(withSignIns.map((p) => p.p99)).toFixed(1)}, p50 ${median(withSignIns.map((p) => p.p50)).toFixed(1)})`
    )
    console.log(
      `  ratio per round: ${ratios.map((r) => r.toFixed(2)).join(" ")}; median with / median without ${ratio.toFixed(2)}x ` +
        `(${rate === 10 ? (ratio <= TARGET ? "meets" : "misses") : "for information:"} the ${TARGET}x target)`
    )
    console.log(
      `  sign-ins: ${signedIn} answered 200, ${refused} refused, of ${withSignIns.length * Math.floor(PHASE_SECONDS * rate)} sent (${achieved.toFixed(1)}/s answered); latency p50 ${at(50).toFixed(0)} ms, p99 ${at(99).toFixed(0)} ms`
    )
    console.log(
      `  CPU per email (median phase, without / with): server ${cpuPerEmail(without, "server").toFixed(2)} / ${cpuPerEmail(withSignIns, "server").toFixed(2)} ms, ` +
        `PostgreSQL ${cpuPerEmail(without, "postgres").toFixed(2)} / ${cpuPerEmail(withSignIns, "postgres").toFixed(2)} ms; emails failed ${[...without, ...withSignIns].reduce((n, p) => n + p.failed, 0)}`
    )
    const waitedPerEmail = (ps: ReadonlyArray<Phase>, part: keyof Phase["waited"]) =>
      median(ps.map((p) => p.waited[part] / Math.max(1, p.emails)))
    console.log(
      `  waiting for a core per email (median phase, without / with): server ${waitedPerEmail(without, "server").toFixed(2)} / ${waitedPerEmail(withSignIns, "server").toFixed(2)} ms, ` +
        `PostgreSQL backends ${waitedPerEmail(without, "postgres").toFixed(2)} / ${waitedPerEmail(withSignIns, "postgres").toFixed(2)} ms`
    )
    console.log(
      `  CPU per sign-in: hashing process ${median(withSignIns.map((p) => p.cpu.hashing / Math.max(1, p.signIns + p.refused))).toFixed(1)} ms, ` +
        `server ${extra("server").toFixed(2)} ms, PostgreSQL ${extra("postgres").toFixed(2)} ms (beyond the emails' own)`
    )
  }
  await client.end()
  server.kill("SIGTERM")
  await new Promise((r) => server.once("exit", r))
  await dns.close()
  await db.close()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
