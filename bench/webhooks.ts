import { randomBytes } from "node:crypto"
import { Agent, createServer, request } from "node:http"
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net"
import pg from "pg"
import { benchDatabase, freePort, startApp, waitFor } from "./support.js"

const COUNT = Number(process.env.BENCH_EVENTS ?? 2000)
const PER_ENDPOINT = 4

const payload = (i: number) =>
  JSON.stringify({
    email_id: `em_${i.toString(16).padStart(32, "0")}`,
    from: "Shop <orders@bench.test>",
    to: [`r${i}@example.com`],
    subject: "Your order has shipped",
    tags: ["bench"],
    recipient: `r${i}@example.com`,
    reply: "250 2.0.0 OK"
  })

const main = async () => {
  // The healthy receiver counts what arrives; the dead one holds every connection, silent.
  let received = 0
  const receiver = createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      received++
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", () => resolve()))
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  const held: Array<Socket> = []
  const dead = createTcpServer((socket) => held.push(socket))
  await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", () => resolve()))
  const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/hook`

  // Baseline: the same number of POSTs, kept alive, as many at once as we allow per endpoint.
  const agent = new Agent({ keepAlive: true, maxSockets: PER_ENDPOINT })
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request(receiverUrl, {
        method: "POST",
        agent,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }
      })
      req.on("response", (res) => {
        res.resume()
        res.on("end", resolve)
      })
      req.on("error", reject)
      req.end(body)
    })
  received = 0
  const t0 = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: PER_ENDPOINT }, async () => {
      while (next < COUNT) await post(payload(next++))
    })
  )
  const baseline = COUNT / ((performance.now() - t0) / 1000)
  agent.destroy()

  const db = await benchDatabase()
  const key = `sk_live_${randomBytes(32).toString("base64url")}`
  const port = await freePort()
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    POSTSTACK_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    POSTSTACK_WEBHOOKS_ALLOW_LOOPBACK: "true",
    POSTSTACK_WEBHOOK_TIMEOUT_MS: "5000",
    POSTSTACK_LOG_LEVEL: "warning"
  }
  const start = (entry: string, extra: Record<string, string>) => startApp(entry, { ...env, ...extra })
  const api = start("apps/server/src/main.ts", {
    PORT: String(port),
    POSTSTACK_HOST: "127.0.0.1",
    POSTSTACK_BOOTSTRAP_API_KEY: key,
    POSTSTACK_RUN_WORKER: "false",
    POSTSTACK_SMTP_SUBMISSION_PORT: "off",
    POSTSTACK_SMTP_SUBMISSION_TLS_PORT: "off",
    POSTSTACK_SMTP_INBOUND_PORT: "off"
  })
  const baseUrl = `http://127.0.0.1:${port}`
  await waitFor(
    () =>
      fetch(`${baseUrl}/healthz`).then(
        (r) => r.ok,
        () => false
      ),
    60_000
  )
  const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
  const subscribe = async (url: string) => {
    const res = await fetch(`${baseUrl}/webhooks`, {
      method: "POST",
      headers,
      body: JSON.stringify({ url, events: ["*"] })
    })
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`webhook refused: ${res.status} ${await res.text()}`)
  }
  await subscribe(receiverUrl)
  const worker = start("apps/worker/src/main.ts", {})

  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  const team = (await client.query("SELECT team_id FROM api_keys LIMIT 1")).rows[0]?.team_id as number
  /** Writes COUNT events to the outbox at once, then times their arrival at the healthy receiver. */
  const fanOut = async () => {
    received = 0
    await client.query(
      `INSERT INTO events (team_id, type, payload)
       SELECT $1, 'email.delivered', $2::jsonb || jsonb_build_object('n', n) FROM generate_series(1, $3) AS n`,
      [team, payload(0), COUNT]
    )
    await waitFor(() => received > 0, 60_000)
    const started = performance.now()
    const first = received
    await waitFor(() => received >= COUNT, 600_000)
    return (COUNT - first) / ((performance.now() - started) / 1000)
  }
  const alone = await fanOut()
  await subscribe(deadUrl)
  const withDead = await fanOut()

  console.log(
    `webhook fan-out, ${COUNT} events, signed, at most ${PER_ENDPOINT} requests per endpoint at once`
  )
  console.log(`baseline (raw keep-alive POSTs)         ${baseline.toFixed(0)} deliveries/s`)
  console.log(`poststack, one healthy endpoint          ${alone.toFixed(0)} deliveries/s`)
  console.log(
    `poststack, plus one dead endpoint        ${withDead.toFixed(0)} deliveries/s to the healthy one`
  )
  console.log(
    `ratio (poststack / baseline): ${(alone / baseline).toFixed(2)}x; healthy with a dead neighbour / alone: ${(withDead / alone).toFixed(2)}x (1.0 means unaffected)`
  )
  for (const child of [api, worker]) child.kill("SIGTERM")
  await Promise.all([api, worker].map((c) => new Promise((r) => c.once("exit", r))))
  await client.end()
  for (const s of held) s.destroy()
  dead.close()
  receiver.close()
  await db.close()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
