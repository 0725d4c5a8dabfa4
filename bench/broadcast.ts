/**
 * A broadcast beside transactional mail (issue 16's speed section), against the delivery baseline
 * of bench/delivery.ts measured in the same run (pooled nodemailer, cached DKIM key, the same
 * sink):
 *   (a) a broadcast to BENCH_BULK (100,000) contacts, expanded and delivered DKIM-signed into a
 *       local SMTP sink by one worker process: messages per second, ratio against the baseline,
 *       CPU per message; every recipient counted at the sink (exactly one copy each);
 *   (b) the time from the broadcast's `POST /broadcasts/:id/send` to its first message at the sink;
 *   (c) the p99 accept-to-sink latency of transactional mail sent while the broadcast drains,
 *       against its p99 on an idle queue.
 *
 * The audience is written straight into the tables (the import has a bench of its own); the
 * broadcast is created and sent through the API, so its expansion, claims, rendering, signing
 * and connections are the product's. By default its content greets each contact by name
 * (`{{ contact.first_name }}`: rendered per recipient); `BENCH_PERSONALIZED=false` sends the same
 * content to everyone.
 *
 * The baseline runs before the broadcast and after it (PostgreSQL may still be vacuuming then);
 * the broadcast is compared with the faster of the two.
 *
 * BENCH_BULK sets the audience for quick runs; BENCH_BASELINE (10,000 or the audience if smaller)
 * the baseline's messages; BENCH_PROBES (200) the transactional messages timed in each phase.
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
  databaseCpuSampler,
  freePort,
  percentile,
  startApp,
  verifiedDomain,
  waitFor
} from "./support.js"

const BULK = Number(process.env.BENCH_BULK ?? 100_000)
const BASELINE = Number(process.env.BENCH_BASELINE ?? Math.min(10_000, BULK))
const PROBES = Number(process.env.BENCH_PROBES ?? 200)
const PERSONALIZED = process.env.BENCH_PERSONALIZED !== "false"

const BODY = "<p>Benchmark newsletter with a little body text.</p>"

const stop = async (child: ReturnType<typeof startApp>) => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once("exit", resolve))
  child.kill("SIGTERM")
  await exited
}

const load = () => loadavg()[0]?.toFixed(1)

/** What a run started, undone in reverse order whether it ends well or not. */
const cleanups: Array<() => Promise<unknown>> = []
const cleanUp = async () => {
  for (let done = cleanups.pop(); done !== undefined; done = cleanups.pop()) await done().catch(() => {})
}

const main = async () => {
  const db = await benchDatabase()
  cleanups.push(db.close)
  const dns = await startDnsServer()
  cleanups.push(dns.close)
  const sink = await startSmtpSink()
  cleanups.push(sink.close)
  // When each recipient reached the sink (ms, performance clock), and how many copies each got.
  // Bulk messages are not kept (a hundred thousand of them would fill this process's heap): the
  // first is kept to show it was signed.
  const arrivals = new Map<string, number>()
  let bulkCopies = 0
  let firstBulkMessage: Received | undefined
  const push = sink.received.push.bind(sink.received)
  sink.received.push = (...items: Array<Received>) => {
    const at = performance.now()
    for (const item of items) {
      const bulk = item.to.some((to) => to.startsWith("reader-"))
      for (const to of item.to) {
        if (bulk) bulkCopies++
        if (!arrivals.has(to)) arrivals.set(to, at)
      }
      if (bulk && firstBulkMessage === undefined) firstBulkMessage = item
      if (!bulk) push(item)
    }
    return sink.received.length
  }
  const bulkArrivals = () => [...arrivals].filter(([to]) => to.startsWith("reader-")).map(([, at]) => at)

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
  cleanups.push(() => stop(server))
  const baseUrl = `http://127.0.0.1:${port}`
  const auth = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: auth,
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  cleanups.push(() => client.end())
  await verifiedDomain(baseUrl, key, dns, "bench.test")

  console.log(
    `broadcast to ${BULK} contacts (${PERSONALIZED ? "rendered per recipient" : "same content for all"}), baseline ${BASELINE} messages, ${PROBES} transactional probes per phase; ${cpus().length} cores shared by the worker, the API server, the sink, DNS, PostgreSQL and other users of this machine (load ${load()})`
  )

  // The audience: one segment holding every contact, written straight into the tables.
  const segment = (await api<{ segment: { publicId: string } }>("POST", "/segments", { name: "Everyone" }))
    .segment.publicId
  const setupStarted = performance.now()
  await client.query(
    `WITH seg AS (SELECT id, team_id FROM segments WHERE public_id = $1),
     new_contacts AS (
       INSERT INTO contacts (public_id, team_id, email, first_name)
       SELECT 'con_' || lpad(to_hex(n), 24, '0'), (SELECT team_id FROM seg), 'reader-' || n || '@receiver.test',
         'Reader ' || n
       FROM generate_series(1, $2::int) AS n
       RETURNING id)
     INSERT INTO segment_members (segment_id, contact_id)
     SELECT (SELECT id FROM seg), id FROM new_contacts`,
    [segment, BULK]
  )
  await client.query("VACUUM ANALYZE contacts")
  await client.query("VACUUM ANALYZE segment_members")
  console.log(`audience written in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`)

  const worker = startApp("apps/worker/src/main.ts", env)
  cleanups.push(() => stop(worker))

  /**
   * Baseline: pooled nodemailer, the same DKIM key size, cached as a KeyObject, same sink; its
   * messages per second, and the CPU of this process (sender and sink) per message.
   */
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
  const baseline = async (round: string) => {
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
    const cpu = process.cpuUsage()
    const started = performance.now()
    let next = 0
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < BASELINE) {
          const i = next++
          await transport.sendMail({
            from: "news@bench.test",
            to: `base-${round}-${i}@receiver.test`,
            subject: `Newsletter for Reader ${i}`,
            html: `<p>Hello Reader ${i},</p>${BODY}`
          })
        }
      })
    )
    const perSecond = BASELINE / ((performance.now() - started) / 1000)
    const used = process.cpuUsage(cpu)
    transport.close()
    sink.received.length = 0
    return { perSecond, cpuMs: (used.user + used.system) / 1000 / BASELINE }
  }

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
    accepts.push(performance.now() - t)
    await waitFor(() => arrivals.has(to), 120_000, 2)
    return (arrivals.get(to) ?? 0) - t
  }
  // How long the API took to accept each probe (part of its accept-to-sink time).
  let accepts: Array<number> = []
  /**
   * PROBES transactional emails, a few at a time, spaced out: their latencies in ms and the API's
   * share of them, sorted.
   */
  const probes = async (until: () => boolean = () => false) => {
    const latencies: Array<number> = []
    accepts = []
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
    return { latencies: latencies.sort((a, b) => a - b), accepts: accepts.sort((a, b) => a - b) }
  }

  // The worker warms up on transactional mail, then (c)'s idle figure.
  await waitFor(async () => (await probe()) > 0, 300_000)
  const { latencies: idle, accepts: idleAccepts } = await probes()
  // The baseline runs before the broadcast and again after it, when PostgreSQL may still be
  // cleaning up after it; the faster of the two is the one the broadcast is compared with.
  const baseBefore = await baseline("before")

  // (a) and (b): the broadcast is created, then sent; transactional mail is timed meanwhile.
  const { broadcast } = await api<{ broadcast: { publicId: string } }>("POST", "/broadcasts", {
    segment_id: segment,
    from: "news@bench.test",
    subject: PERSONALIZED ? "Newsletter for {{ contact.first_name }}" : "Newsletter",
    html: PERSONALIZED ? `<p>Hello {{ contact.first_name }},</p>${BODY}` : BODY
  })
  const workerCpuBefore = cpuMs(worker.pid ?? 0)
  const postgresCpu = await databaseCpuSampler(client)
  const sentAt = performance.now()
  await api("POST", `/broadcasts/${broadcast.publicId}/send`)
  await waitFor(() => firstBulkMessage !== undefined, 300_000, 2)
  const firstBulk = Math.min(...bulkArrivals())
  // Probes start once the bulk mail flows and stop before it has drained.
  const { latencies: busy, accepts: busyAccepts } = await probes(() => bulkCopies >= BULK * 0.9)
  const loadDuring = load()
  let lastProgress = { at: performance.now(), copies: bulkCopies }
  await waitFor(
    () => {
      if (bulkCopies >= BULK) return true
      if (bulkCopies !== lastProgress.copies) lastProgress = { at: performance.now(), copies: bulkCopies }
      // Nothing new at the sink for two minutes: something is stuck, and waiting longer says nothing.
      if (performance.now() - lastProgress.at > 120_000)
        throw new Error(`the broadcast stalled at ${bulkCopies} of ${BULK} messages`)
      return false
    },
    3_600_000,
    50
  )
  const lastBulk = Math.max(...bulkArrivals())
  const bulkSeconds = (lastBulk - firstBulk) / 1000
  const bulkRate = BULK / bulkSeconds
  const postgresMs = await postgresCpu.stop()
  const bulkCpu = {
    worker: (cpuMs(worker.pid ?? 0) - workerCpuBefore) / BULK,
    postgres: postgresMs / BULK
  }
  const bulkDistinct = bulkArrivals().length
  const signed = firstBulkMessage?.raw.toString("latin1").includes("DKIM-Signature:") === true
  // Every copy counted at the sink: a second one would show now.
  await new Promise((r) => setTimeout(r, 1000))
  const copiesAfter = bulkCopies
  const [state] = (
    await client.query<{ status: string; recipients: number; delivered: number }>(
      `SELECT b.status, (SELECT count(*)::int FROM broadcast_recipients r WHERE r.broadcast_id = b.id) AS recipients,
         (SELECT count(*)::int FROM deliveries d JOIN emails e ON e.id = d.email_id
          WHERE e.broadcast_id = b.id AND d.status = 'delivered') AS delivered
       FROM broadcasts b WHERE b.public_id = $1`,
      [broadcast.publicId]
    )
  ).rows
  await stop(worker)
  const baseAfter = await baseline("after")
  const base = baseBefore.perSecond >= baseAfter.perSecond ? baseBefore : baseAfter
  const baseRate = base.perSecond

  const p = (sorted: ReadonlyArray<number>, n: number) => percentile(sorted, n).toFixed(0)
  console.log("")
  console.log(
    `(a) broadcast ${bulkRate.toFixed(0).padStart(6)} msg/s (${BULK} recipients in ${bulkSeconds.toFixed(1)} s, first to last at the sink; ${((lastBulk - sentAt) / 1000).toFixed(1)} s from the send; one worker)`
  )
  console.log(
    `    baseline  ${baseRate.toFixed(0).padStart(6)} msg/s (pooled nodemailer + cached DKIM key straight to the sink, ${BASELINE} messages; the faster of ${baseBefore.perSecond.toFixed(0)} before the broadcast and ${baseAfter.perSecond.toFixed(0)} after)`
  )
  console.log(
    `    ratio (broadcast / baseline): ${(bulkRate / baseRate).toFixed(2)}x  (target >= 0.6x; ${(bulkRate / baseBefore.perSecond).toFixed(2)}x against the baseline before, ${(bulkRate / baseAfter.perSecond).toFixed(2)}x against the one after)`
  )
  console.log(
    `    CPU per message, ms: worker ${bulkCpu.worker.toFixed(2)}, PostgreSQL ${bulkCpu.postgres.toFixed(2)} (the backends of the bench's database); baseline's sender and sink ${base.cpuMs.toFixed(2)}`
  )
  console.log(
    `    copies at the sink: ${copiesAfter}, distinct recipients: ${bulkDistinct} (of ${BULK}); DKIM-signed: ${signed ? "yes" : "NO"}; broadcast ${state?.status}, ${state?.recipients} recipient rows, ${state?.delivered} recorded delivered`
  )
  console.log(
    `(b) send to first message at the sink: ${((firstBulk - sentAt) / 1000).toFixed(2)} s  (target < 5 s)`
  )
  console.log(
    `(c) transactional accept-to-sink, ms    p50  p99  max   (${idle.length} idle, ${busy.length} during the broadcast)`
  )
  console.log(
    `    idle queue                     ${p(idle, 50).padStart(5)} ${p(idle, 99).padStart(4)} ${p(idle, 100).padStart(4)}`
  )
  console.log(
    `    during the broadcast           ${p(busy, 50).padStart(5)} ${p(busy, 99).padStart(4)} ${p(busy, 100).padStart(4)}`
  )
  console.log(
    `    ratio of p99s (busy / idle): ${(percentile(busy, 99) / percentile(idle, 99)).toFixed(2)}x  (target <= 2x)`
  )
  console.log(
    `    of which the API's answer, p50/p99 ms: idle ${p(idleAccepts, 50)}/${p(idleAccepts, 99)}, during the broadcast ${p(busyAccepts, 50)}/${p(busyAccepts, 99)}`
  )
  console.log(`load average: ${load()} at the end, ${loadDuring} while the broadcast drained`)
}

main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => cleanUp().then(() => process.exit()))
