import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import pg from "pg"
import { startDnsServer } from "../test/support/dnsServer.js"
import { startSmtpSink } from "../test/support/smtpSink.js"
import { benchDatabase, benchEnv, freePort, startApp, verifiedDomain, waitFor } from "./support.js"

const SMALL = Number(process.env.BENCH_QUEUE_SMALL ?? 10_000)
const LARGE = Number(process.env.BENCH_QUEUE_LARGE ?? 100_000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20)

const rssMb = (pid: number | undefined) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

const main = async () => {
  const db = await benchDatabase()
  const dns = await startDnsServer()
  const sink = await startSmtpSink()
  sink.replyToAll = "451 4.7.1 try again later"
  dns.publish("receiver.test", "MX", "mx.receiver.test")
  dns.publish("mx.receiver.test", "A", "127.0.0.1")
  const key = `sk_live_${randomBytes(32).toString("base64url")}`
  const port = await freePort()
  const env = benchEnv({ databaseUrl: db.url, dns, mxPort: sink.port })
  const api = startApp("apps/server/src/main.ts", {
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

  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  const dbBytes = async () =>
    Number((await client.query("SELECT pg_database_size(current_database()) AS n")).rows[0]?.n)
  const emptyBytes = await dbBytes()
  const apiIdleMb = rssMb(api.pid)

  for (let offset = 0; offset < SMALL; offset += 100) {
    const emails = Array.from({ length: Math.min(100, SMALL - offset) }, (_, i) => ({
      from: "Bench <bench@bench.test>",
      to: [`r${offset + i}@receiver.test`],
      subject: `Your order ${offset + i} has shipped`,
      html: "<p>Hello, your order is on its way. Track it from your account page.</p>",
      tags: ["bench"]
    }))
    const res = await fetch(`${baseUrl}/emails/batch`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ emails })
    })
    if (res.status !== 202) throw new Error(`batch refused: ${res.status}`)
  }
  const apiLoadedMb = rssMb(api.pid)
  await client.query("CHECKPOINT")
  const smallBytes = await dbBytes()

  // The worker tries every queued message once; the receiver defers each, so all stay queued.
  const tried = async () =>
    Number((await client.query("SELECT coalesce(sum(attempts), 0) AS n FROM deliveries")).rows[0]?.n)
  const worker = startApp("apps/worker/src/main.ts", env)
  // The worker churns through the queue for a fixed time at each size: its memory must not
  // depend on how much is waiting (it claims a bounded number at a time).
  await waitFor(async () => (await tried()) > 0, 120_000)
  const churn = async () => {
    const before = await tried()
    await new Promise((r) => setTimeout(r, SECONDS * 1000))
    return ((await tried()) - before) / SECONDS
  }
  const smallRate = await churn()
  const workerSmallMb = rssMb(worker.pid)

  // Grow to LARGE with copies of the API's rows, made due again.
  const copies = Math.ceil(LARGE / SMALL) - 1
  await client.query(`
    WITH src AS (SELECT * FROM emails), n AS (SELECT generate_series(1, ${copies}) AS k),
    e AS (
      INSERT INTO emails (public_id, team_id, api_key_id, domain_id, from_address, from_name, to_addresses,
        cc_addresses, bcc_addresses, reply_to, subject, html_body, text_body, headers, tags, message_id, status,
        test_mode, unsubscribe_enabled, track_opens, track_clicks, created_at)
      SELECT 'em_' || replace(gen_random_uuid()::text, '-', ''), team_id, api_key_id, domain_id, from_address,
        from_name, ARRAY['c' || n.k || '.' || to_addresses[1]], cc_addresses, bcc_addresses, reply_to, subject,
        html_body, text_body, headers, tags, '<' || gen_random_uuid()::text || '@bench.test>', 'queued', test_mode,
        unsubscribe_enabled, track_opens, track_clicks, created_at
      FROM src, n RETURNING id, team_id, to_addresses
    ), d AS (
      INSERT INTO deliveries (email_id, team_id, recipient, kind, status)
      SELECT id, team_id, to_addresses[1], 'to', 'queued' FROM e RETURNING email_id
    )
    INSERT INTO email_events (email_id, event_type, metadata) SELECT email_id, 'queued', '{}'::jsonb FROM d`)
  await client.query("CHECKPOINT")
  const largeBytes = await dbBytes()
  const total = SMALL * (copies + 1)
  const largeRate = await churn()
  const workerLargeMb = rssMb(worker.pid)

  console.log(`queued messages while the receiver defers everything (database with fsync; 1 worker)`)
  console.log(
    `database: ${((smallBytes - emptyBytes) / SMALL / 1024).toFixed(2)} KiB per message at ${SMALL} (API-written), ${((largeBytes - emptyBytes) / total / 1024).toFixed(2)} KiB per message at ${total}`
  )
  console.log(
    `API RSS: ${apiIdleMb.toFixed(0)} MB idle, ${apiLoadedMb.toFixed(0)} MB after accepting ${SMALL}`
  )
  console.log(
    `worker RSS: ${workerSmallMb.toFixed(0)} MB with ${SMALL} queued (${smallRate.toFixed(0)} deferrals/s), ${workerLargeMb.toFixed(0)} MB with ${total} queued (${largeRate.toFixed(0)} deferrals/s), after ${SECONDS} s of work each`
  )
  console.log(
    `ratio (worker RSS at ${total} / at ${SMALL}): ${(workerLargeMb / workerSmallMb).toFixed(2)}x  (flat means memory does not grow with the queue)`
  )
  for (const child of [api, worker]) child.kill("SIGTERM")
  await client.end()
  await sink.close()
  await dns.close()
  await db.close()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
