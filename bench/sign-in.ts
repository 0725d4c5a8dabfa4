import { randomBytes } from "node:crypto"
import { cpus } from "node:os"
import pg from "pg"
import { startDnsServer } from "../test/support/dnsServer.js"
import {
  benchDatabase,
  freePort,
  openLoop,
  START_TIMEOUT_MS,
  startApp,
  verifiedDomain,
  waitFor
} from "./support.js"

/**
 * `POST /emails` latency at a steady rate, alone and while people sign in as fast as they can
 * (Argon2id at production cost). Argon2 runs on libuv's thread pool: if it blocked the event
 * loop, every request queued behind a hash would wait for it, and the p99 would jump.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6)
const RATE = Number(process.env.BENCH_RATE ?? 100)
const SIGN_INS = Number(process.env.BENCH_SIGN_IN_CONCURRENCY ?? 4)
const ACCOUNTS = 60
const PASSWORD = "bench passphrase, long enough"

const body = JSON.stringify({
  from: "Bench <bench@bench.test>",
  to: ["someone@example.com"],
  subject: "Benchmark",
  text: "Hello from the benchmark"
})

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
    // Sign-ins come from many addresses (X-Forwarded-For), so the per-address guard does not stop them.
    POSTSTACK_TRUSTED_PROXY_HOPS: "1",
    POSTSTACK_RUN_WORKER: "false",
    POSTSTACK_LOG_LEVEL: "warning"
  })
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

  // Accounts to sign in to, each under its per-account budget (ten a quarter hour) for the run.
  let forwarded = 0
  const from = () => ({
    "x-forwarded-for": `10.${(forwarded >> 16) & 255}.${(forwarded >> 8) & 255}.${forwarded++ & 255}`
  })
  const emails = Array.from({ length: ACCOUNTS }, (_, i) => `person${i}@bench.test`)
  for (const email of emails)
    await fetch(`${baseUrl}/auth/sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json", ...from() },
      body: JSON.stringify({ email, password: PASSWORD })
    })
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  await client.query("UPDATE users SET email_verified_at = now()")
  await client.end()

  const send = async () => {
    const res = await fetch(`${baseUrl}/emails`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body
    })
    await res.arrayBuffer()
    return res.status === 202
  }
  let signIns = 0
  let refused = 0
  const signInLoop = async (until: number, offset: number) => {
    for (let i = offset; performance.now() < until; i += SIGN_INS) {
      const res = await fetch(`${baseUrl}/auth/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/json", ...from() },
        body: JSON.stringify({ email: emails[i % ACCOUNTS], password: PASSWORD })
      })
      await res.arrayBuffer()
      if (res.status === 200) signIns++
      else refused++
    }
  }

  await openLoop(2, RATE, send)
  console.log(
    `POST /emails at ${RATE}/s for ${SECONDS} s, ${cpus().length} cores shared by server, PostgreSQL and load`
  )
  const alone = await openLoop(SECONDS, RATE, send)
  console.log(
    `alone:          p50 ${alone.p50.toFixed(1)} ms, p99 ${alone.p99.toFixed(1)} ms (failed ${alone.failed})`
  )
  const until = performance.now() + SECONDS * 1000
  const started = performance.now()
  const [loaded] = await Promise.all([
    openLoop(SECONDS, RATE, send),
    ...Array.from({ length: SIGN_INS }, (_, i) => signInLoop(until, i))
  ])
  const perSecond = signIns / ((performance.now() - started) / 1000)
  console.log(
    `with sign-ins:  p50 ${loaded.p50.toFixed(1)} ms, p99 ${loaded.p99.toFixed(1)} ms (failed ${loaded.failed}); ${SIGN_INS} callers signed in ${signIns} times (${perSecond.toFixed(1)}/s, ${refused} refused), Argon2id m=19 MiB t=2`
  )
  server.kill("SIGTERM")
  await new Promise((r) => server.once("exit", r))
  await dns.close()
  await db.close()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
