import { createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto"
import { cpus } from "node:os"
import nodemailer from "nodemailer"
import pg from "pg"
import { startDnsServer } from "../test/support/dnsServer.js"
import { startSmtpSink } from "../test/support/smtpSink.js"
import {
  benchDatabase,
  benchEnv,
  cpuMs,
  databaseCpuMs,
  freePort,
  postgresCpuMs,
  startApp,
  verifiedDomain,
  waitFor
} from "./support.js"

const COUNT = Number(process.env.BENCH_MESSAGES ?? 1000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SCHEDULE_AHEAD_MS = Number(process.env.BENCH_SCHEDULE_AHEAD_MS ?? 5000)

interface Round {
  readonly perSecond: number
  readonly cpu: { readonly worker: number; readonly postgres: number; readonly self: number }
  /** CPU of the bench database's own backends per message, ms: other work on the server left out. */
  readonly database: number
}

const stop = async (child: ReturnType<typeof startApp>) => {
  const exited = new Promise((resolve) => child.once("exit", resolve))
  child.kill("SIGTERM")
  await exited
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/** What a run started, undone when it fails (a failed run must not leave its apps running). */
const undo: Array<() => Promise<unknown>> = []

const main = async () => {
  const db = await benchDatabase()
  undo.push(db.close)
  const dns = await startDnsServer()
  const sink = await startSmtpSink()
  dns.publish("receiver.test", "MX", "mx.receiver.test")
  dns.publish("mx.receiver.test", "A", "127.0.0.1")
  const key = `sk_live_${randomBytes(32).toString("base64url")}`
  const port = await freePort()
  const env = benchEnv({ databaseUrl: db.url, dns, mxPort: sink.port })
  const serverEnv = {
    ...env,
    PORT: String(port),
    POSTSTACK_HOST: "127.0.0.1",
    POSTSTACK_BOOTSTRAP_API_KEY: key,
    POSTSTACK_RATE_LIMIT_REQUESTS: "10000000",
    POSTSTACK_RUN_WORKER: "false"
  }
  const baseUrl = `http://127.0.0.1:${port}`
  const auth = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  const deliveredCount = async () =>
    Number((await client.query("SELECT count(*) FROM deliveries WHERE status = 'delivered'")).rows[0]?.count)

  const server = startApp("apps/server/src/main.ts", serverEnv)
  undo.push(async () => server.kill("SIGKILL"))
  await verifiedDomain(baseUrl, key, dns, "bench.test")
  // One worker for every round, as in production: warm, like the baseline's pooled transport.
  const worker = startApp("apps/worker/src/main.ts", env)
  undo.push(async () => worker.kill("SIGKILL"))

  /**
   * COUNT messages accepted through the API, all scheduled for the same moment a little later, so
   * the worker meets them at once; timed from the first delivery to the last.
   */
  const poststack = async (round: number): Promise<Round> => {
    sink.received.length = 0
    const at = new Date(Date.now() + SCHEDULE_AHEAD_MS)
    for (let offset = 0; offset < COUNT; offset += 100) {
      const emails = Array.from({ length: Math.min(100, COUNT - offset) }, (_, i) => ({
        from: "bench@bench.test",
        to: [`r${round}-${offset + i}@receiver.test`],
        subject: `Bench ${offset + i}`,
        html: "<p>Benchmark message with a little body text.</p>",
        scheduled_at: at.toISOString()
      }))
      const res = await fetch(`${baseUrl}/emails/batch`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ emails })
      })
      if (res.status !== 202) throw new Error(`batch refused: ${res.status}`)
    }
    if (Date.now() >= at.getTime()) throw new Error("accepting took longer than BENCH_SCHEDULE_AHEAD_MS")
    const before = await deliveredCount()
    // Timed at the sink, as the baseline is: asking the database would add to the CPU measured.
    await waitFor(() => sink.received.length > 0, 120_000, 2)
    const t0 = performance.now()
    const n0 = sink.received.length
    const cpu = cpuShares(worker.pid ?? 0)
    const database = await databaseCpuMs(client)
    await waitFor(() => sink.received.length >= COUNT, 600_000, 2)
    const seconds = (performance.now() - t0) / 1000
    const result = {
      perSecond: (COUNT - n0) / seconds,
      cpu: cpu.perMessage(COUNT - n0),
      database: (await databaseCpuMs(client, database.byPid)).total / (COUNT - n0)
    }
    // And every one of them is recorded as delivered.
    await waitFor(async () => (await deliveredCount()) - before >= COUNT, 60_000)
    return result
  }

  // Baseline: pooled nodemailer, the same DKIM key size, cached as a KeyObject, same sink.
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: sink.port,
    pool: true,
    maxConnections: 4,
    maxMessages: Number.POSITIVE_INFINITY,
    tls: { rejectUnauthorized: false },
    dkim: {
      domainName: "bench.test",
      keySelector: "bench",
      privateKey: createPrivateKey(privateKey.export({ type: "pkcs8", format: "pem" }))
    }
  })
  const baseline = async (round: number): Promise<Round> => {
    const t1 = performance.now()
    const cpu = cpuShares(null)
    let next = 0
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < COUNT) {
          const i = next++
          await transport.sendMail({
            from: "bench@bench.test",
            to: `r${round}-${i}@receiver.test`,
            subject: `Bench ${i}`,
            html: "<p>Benchmark message with a little body text.</p>"
          })
        }
      })
    )
    return { perSecond: COUNT / ((performance.now() - t1) / 1000), cpu: cpu.perMessage(COUNT), database: 0 }
  }

  console.log(
    `${COUNT} messages per round, ${cpus().length} cores (worker, sink, DNS and PostgreSQL share them)`
  )
  // A first round for each warms them up and is not counted; then rounds alternate, so a slow
  // spell of a shared machine falls on both.
  await poststack(-1)
  await baseline(-1)
  const rounds: { baseline: Array<Round>; poststack: Array<Round> } = { baseline: [], poststack: [] }
  for (let i = 0; i < ROUNDS; i++) {
    for (const name of i % 2 === 0
      ? (["poststack", "baseline"] as const)
      : (["baseline", "poststack"] as const)) {
      const r = name === "poststack" ? await poststack(i) : await baseline(i)
      rounds[name].push(r)
      console.log(`round ${i + 1}: ${name.padEnd(10)} ${r.perSecond.toFixed(0).padStart(6)} msg/s`)
    }
  }
  transport.close()
  await client.end()
  await stop(worker)
  await stop(server)

  const summary = (rs: ReadonlyArray<Round>) => ({
    perSecond: median(rs.map((r) => r.perSecond)),
    database: median(rs.map((r) => r.database)),
    cpu: {
      worker: median(rs.map((r) => r.cpu.worker)),
      postgres: median(rs.map((r) => r.cpu.postgres)),
      self: median(rs.map((r) => r.cpu.self))
    }
  })
  const base = summary(rounds.baseline)
  const ours = summary(rounds.poststack)
  console.log(`medians of ${ROUNDS} rounds:`)
  console.log(
    `baseline   ${base.perSecond.toFixed(0).padStart(6)} msg/s (pooled nodemailer + cached DKIM key straight to the sink)`
  )
  console.log(
    `poststack  ${ours.perSecond.toFixed(0).padStart(6)} msg/s (claim, compose, sign, MX lookup, SMTP, record; one worker process)`
  )
  console.log(
    `ratio (poststack / baseline): ${(ours.perSecond / base.perSecond).toFixed(2)}x  (target >= 0.6x)`
  )
  console.log(`CPU per message, ms    worker  PostgreSQL  this process (sink, DNS, baseline's sender)`)
  for (const [name, cpu] of [
    ["baseline ", base.cpu],
    ["poststack", ours.cpu]
  ] as const)
    console.log(
      `${name}            ${cpu.worker.toFixed(2).padStart(5)}  ${cpu.postgres.toFixed(2).padStart(10)}  ${cpu.self.toFixed(2).padStart(12)}`
    )
  console.log(
    `PostgreSQL CPU per message of the bench database's own backends (other work on the server left out): ${ours.database.toFixed(2)} ms`
  )
  await sink.close()
  await dns.close()
  await db.close()
}

/** Where the CPU goes while messages flow: the worker (if any), PostgreSQL and this process. */
const cpuShares = (workerPid: number | null) => {
  const worker = workerPid === null ? 0 : cpuMs(workerPid)
  const postgres = postgresCpuMs()
  const self = process.cpuUsage()
  return {
    perMessage: (count: number) => {
      const used = process.cpuUsage(self)
      return {
        worker: workerPid === null ? 0 : (cpuMs(workerPid) - worker) / count,
        postgres: (postgresCpuMs() - postgres) / count,
        self: (used.user + used.system) / 1000 / count
      }
    }
  }
}

main().catch(async (error) => {
  console.error(error)
  for (let step = undo.pop(); step !== undefined; step = undo.pop()) await step().catch(() => {})
  process.exit(1)
})
