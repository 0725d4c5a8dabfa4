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
  freePort,
  postgresCpuMs,
  startApp,
  verifiedDomain,
  waitFor
} from "./support.js"

const COUNT = Number(process.env.BENCH_MESSAGES ?? 1000)

const main = async () => {
  const db = await benchDatabase()
  const dns = await startDnsServer()
  const sink = await startSmtpSink()
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
  await verifiedDomain(baseUrl, key, dns, "bench.test")
  const auth = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
  for (let offset = 0; offset < COUNT; offset += 100) {
    const emails = Array.from({ length: Math.min(100, COUNT - offset) }, (_, i) => ({
      from: "bench@bench.test",
      to: [`r${offset + i}@receiver.test`],
      subject: `Bench ${offset + i}`,
      html: "<p>Benchmark message with a little body text.</p>"
    }))
    const res = await fetch(`${baseUrl}/emails/batch`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ emails })
    })
    if (res.status !== 202) throw new Error(`batch refused: ${res.status}`)
  }
  server.kill("SIGTERM")

  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  const deliveredCount = async () =>
    Number((await client.query("SELECT count(*) FROM deliveries WHERE status = 'delivered'")).rows[0]?.count)
  const worker = startApp("apps/worker/src/main.ts", env)
  // Timed from the first delivery on, so the worker's start-up is not counted.
  await waitFor(async () => (await deliveredCount()) > 0, 120_000)
  const t0 = performance.now()
  const n0 = await deliveredCount()
  const ourCpu = cpuShares(worker.pid ?? 0)
  await waitFor(async () => (await deliveredCount()) >= COUNT, 600_000)
  const oursSeconds = (performance.now() - t0) / 1000
  const ourCpuPerMessage = ourCpu.perMessage(COUNT - n0)
  worker.kill("SIGTERM")
  await client.end()

  // Baseline: pooled nodemailer, the same DKIM key size, cached as a KeyObject, same sink.
  sink.received.length = 0
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
  const t1 = performance.now()
  const baseCpu = cpuShares(null)
  let next = 0
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < COUNT) {
        const i = next++
        await transport.sendMail({
          from: "bench@bench.test",
          to: `r${i}@receiver.test`,
          subject: `Bench ${i}`,
          html: "<p>Benchmark message with a little body text.</p>"
        })
      }
    })
  )
  const baseSeconds = (performance.now() - t1) / 1000
  const baseCpuPerMessage = baseCpu.perMessage(COUNT)
  transport.close()

  const ours = (COUNT - n0) / oursSeconds
  const base = COUNT / baseSeconds
  console.log(`${COUNT} messages, ${cpus().length} cores (worker, sink, DNS and PostgreSQL share them)`)
  console.log(
    `baseline   ${base.toFixed(0).padStart(6)} msg/s (pooled nodemailer + cached DKIM key straight to the sink)`
  )
  console.log(
    `poststack  ${ours.toFixed(0).padStart(6)} msg/s (claim, compose, sign, MX lookup, SMTP, record; one worker process)`
  )
  console.log(`ratio (poststack / baseline): ${(ours / base).toFixed(2)}x  (target >= 0.6x)`)
  console.log(`CPU per message, ms    worker  PostgreSQL  this process (sink, DNS, baseline's sender)`)
  for (const [name, cpu] of [
    ["baseline ", baseCpuPerMessage],
    ["poststack", ourCpuPerMessage]
  ] as const)
    console.log(
      `${name}            ${cpu.worker.toFixed(2).padStart(5)}  ${cpu.postgres.toFixed(2).padStart(10)}  ${cpu.self.toFixed(2).padStart(12)}`
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

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
