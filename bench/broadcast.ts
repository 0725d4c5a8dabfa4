/**
 * Bulk sending beside transactional mail (issue 16's speed section), against the delivery
 * baseline of bench/delivery.ts measured in the same run (pooled nodemailer, cached DKIM key, the
 * same sink):
 *   (a) BENCH_BULK (100,000) bulk recipients delivered DKIM-signed into a local SMTP sink by one
 *       worker process: messages per second, ratio against the baseline, CPU per message;
 *   (b) the time from the send (the moment the bulk mail becomes due) to its first message at the
 *       sink;
 *   (c) the p99 accept-to-sink latency of transactional mail sent while the bulk mail drains,
 *       against its p99 on an idle queue.
 *
 * Broadcasts are not on main yet, so the bulk mail is made the honest fastest way there is: every
 * recipient is one email accepted through the API's batch endpoint (the pipeline a broadcast's
 * expansion feeds: DKIM, VERP, the same rows), scheduled far ahead, then marked bulk and made due
 * at one moment by one UPDATE, as a broadcast's expansion writes its rows. Once broadcasts land,
 * this bench will drive a real broadcast through the API instead (its send is then the moment (b)
 * counts from, expansion included).
 *
 * BENCH_BULK sets the size for quick runs; BENCH_BASELINE (10,000 or the bulk size if smaller) the
 * baseline's; BENCH_PROBES (200) the transactional messages timed in each phase.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto"
import { cpus, loadavg } from "node:os"
import nodemailer from "nodemailer"
import pg from "pg"
import { startDnsServer } from "../test/support/dnsServer.js"
import { type Received, startSmtpSink } from "../test/support/smtpSink.js"
import {
  benchDatabase,
  benchEnv,
  cpuMs,
  freePort,
  percentile,
  postgresCpuMs,
  startApp,
  verifiedDomain,
  waitFor
} from "./support.js"

const BULK = Number(process.env.BENCH_BULK ?? 100_000)
const BASELINE = Number(process.env.BENCH_BASELINE ?? Math.min(10_000, BULK))
const PROBES = Number(process.env.BENCH_PROBES ?? 200)
/** How far ahead of the marking the bulk mail becomes due: the worker meets it all at once. */
const DUE_AHEAD_MS = 3000

const stop = async (child: ReturnType<typeof startApp>) => {
  const exited = new Promise((resolve) => child.once("exit", resolve))
  child.kill("SIGTERM")
  await exited
}

const main = async () => {
  const db = await benchDatabase()
  const dns = await startDnsServer()
  const sink = await startSmtpSink()
  // When each recipient reached the sink (ms, performance clock).
  const arrivals = new Map<string, number>()
  let bulkCount = 0
  const push = sink.received.push.bind(sink.received)
  sink.received.push = (...items: Array<Received>) => {
    const at = performance.now()
    for (const item of items)
      for (const to of item.to) {
        arrivals.set(to, at)
        if (to.startsWith("bulk-")) bulkCount++
      }
    return push(...items)
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
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  await verifiedDomain(baseUrl, key, dns, "bench.test")

  console.log(
    `${BULK} bulk recipients, baseline ${BASELINE} messages, ${PROBES} transactional probes per phase; ${cpus().length} cores shared by the worker, the sink, DNS, PostgreSQL and other users of this machine (load ${loadavg()[0]?.toFixed(1)})`
  )

  // The bulk mail, accepted through the API, not yet due.
  const far = new Date(Date.now() + 24 * 3_600_000).toISOString()
  const acceptStarted = performance.now()
  let nextBatch = 0
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let offset = nextBatch; offset < BULK; offset = nextBatch) {
        nextBatch += 100
        const emails = Array.from({ length: Math.min(100, BULK - offset) }, (_, i) => ({
          from: "news@bench.test",
          to: [`bulk-${offset + i}@receiver.test`],
          subject: `Newsletter for ${offset + i}`,
          html: "<p>Benchmark newsletter with a little body text.</p>",
          scheduled_at: far
        }))
        const res = await fetch(`${baseUrl}/emails/batch`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ emails })
        })
        if (res.status !== 202) throw new Error(`batch refused: ${res.status} ${await res.text()}`)
      }
    })
  )
  console.log(`accepted ${BULK} bulk emails in ${((performance.now() - acceptStarted) / 1000).toFixed(1)} s`)
  await client.query("UPDATE emails SET bulk = true WHERE subject LIKE 'Newsletter for %'")
  await client.query("VACUUM ANALYZE emails")

  const worker = startApp("apps/worker/src/main.ts", env)

  /** One transactional email, timed from the POST to its arrival at the sink. */
  let probeNo = 0
  const probe = async (): Promise<number> => {
    const to = `reset-${probeNo++}@receiver.test`
    const t = performance.now()
    const res = await fetch(`${baseUrl}/emails`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        from: "security@bench.test",
        to: [to],
        subject: "Reset your password",
        html: "<p>Your reset link.</p>"
      })
    })
    if (res.status !== 202 && res.status !== 200) throw new Error(`send refused: ${res.status}`)
    await waitFor(() => arrivals.has(to), 120_000, 2)
    return (arrivals.get(to) ?? 0) - t
  }
  /** PROBES transactional emails, a few at a time, spaced out: their latencies in ms, sorted. */
  const probes = async (until: () => boolean = () => false) => {
    const latencies: Array<number> = []
    let started = 0
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (started < PROBES && !until()) {
          started++
          latencies.push(await probe())
          await new Promise((r) => setTimeout(r, 20))
        }
      })
    )
    return latencies.sort((a, b) => a - b)
  }

  // The worker warms up on transactional mail, then (c)'s idle figure.
  await waitFor(async () => (await probe()) > 0, 120_000)
  const idle = await probes()

  // (a) and (b): the bulk mail becomes due at one moment; transactional mail is timed meanwhile.
  const due = new Date(Date.now() + DUE_AHEAD_MS)
  await client.query(
    "UPDATE deliveries d SET bulk = true, next_attempt_at = $1 FROM emails e WHERE e.id = d.email_id AND e.bulk",
    [due]
  )
  const dueAt = performance.now() + (due.getTime() - Date.now())
  const cpuBefore = { worker: cpuMs(worker.pid ?? 0), postgres: postgresCpuMs() }
  await waitFor(() => [...arrivals.keys()].some((to) => to.startsWith("bulk-")), 120_000, 2)
  const firstBulk = Math.min(...[...arrivals].filter(([to]) => to.startsWith("bulk-")).map(([, at]) => at))
  // Probes start once the bulk mail flows and stop before it has drained.
  const busy = await probes(() => bulkCount >= BULK * 0.9)
  await waitFor(() => bulkCount >= BULK, 3_600_000, 50)
  const lastBulk = Math.max(...[...arrivals].filter(([to]) => to.startsWith("bulk-")).map(([, at]) => at))
  const bulkSeconds = (lastBulk - firstBulk) / 1000
  const bulkRate = BULK / bulkSeconds
  const bulkCpu = {
    worker: (cpuMs(worker.pid ?? 0) - cpuBefore.worker) / BULK,
    postgres: (postgresCpuMs() - cpuBefore.postgres) / BULK
  }
  const bulkCopies = bulkCount
  const bulkDistinct = [...arrivals.keys()].filter((to) => to.startsWith("bulk-")).length
  await stop(worker)

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
  const baseCpu = process.cpuUsage()
  const baseStarted = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < BASELINE) {
        const i = next++
        await transport.sendMail({
          from: "news@bench.test",
          to: `base-${i}@receiver.test`,
          subject: `Newsletter for ${i}`,
          html: "<p>Benchmark newsletter with a little body text.</p>"
        })
      }
    })
  )
  const baseRate = BASELINE / ((performance.now() - baseStarted) / 1000)
  const baseUsed = process.cpuUsage(baseCpu)
  transport.close()

  await client.end()
  await stop(server)
  const p = (sorted: ReadonlyArray<number>, n: number) => percentile(sorted, n).toFixed(0)
  console.log("")
  console.log(
    `(a) bulk      ${bulkRate.toFixed(0).padStart(6)} msg/s (${BULK} recipients in ${bulkSeconds.toFixed(1)} s, first to last at the sink; one worker)`
  )
  console.log(
    `    baseline  ${baseRate.toFixed(0).padStart(6)} msg/s (pooled nodemailer + cached DKIM key straight to the sink, ${BASELINE} messages)`
  )
  console.log(`    ratio (bulk / baseline): ${(bulkRate / baseRate).toFixed(2)}x  (target >= 0.6x)`)
  console.log(
    `    CPU per message, ms: worker ${bulkCpu.worker.toFixed(2)}, PostgreSQL ${bulkCpu.postgres.toFixed(2)}; baseline's sender and sink ${((baseUsed.user + baseUsed.system) / 1000 / BASELINE).toFixed(2)}`
  )
  console.log(`    copies at the sink: ${bulkCopies}, distinct recipients: ${bulkDistinct} (of ${BULK})`)
  console.log(
    `(b) due to first bulk message at the sink: ${((firstBulk - dueAt) / 1000).toFixed(2)} s  (target < 5 s)`
  )
  console.log(
    `(c) transactional accept-to-sink, ms    p50  p99  max   (${idle.length} idle, ${busy.length} during the bulk send)`
  )
  console.log(
    `    idle queue                     ${p(idle, 50).padStart(5)} ${p(idle, 99).padStart(4)} ${p(idle, 100).padStart(4)}`
  )
  console.log(
    `    during the bulk send           ${p(busy, 50).padStart(5)} ${p(busy, 99).padStart(4)} ${p(busy, 100).padStart(4)}`
  )
  console.log(
    `    ratio of p99s (busy / idle): ${(percentile(busy, 99) / percentile(idle, 99)).toFixed(2)}x  (target <= 2x)`
  )
  await sink.close()
  await dns.close()
  await db.close()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
