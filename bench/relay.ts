import type { ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import { type AddressInfo, connect } from "node:net"
import nodemailer from "nodemailer"
import { generate } from "selfsigned"
import { SMTPServer } from "smtp-server"
import { startDnsServer } from "../test/support/dnsServer.js"
import pg from "pg"
import {
  benchDatabase,
  benchEnv,
  cpuMs,
  cpuSplitMs,
  databaseCpuMs,
  freePort,
  startApp,
  verifiedDomain,
  waitFor
} from "./support.js"

/** App processes started by this run, stopped if it fails so none is left running. */
const started: Array<ChildProcess> = []

const COUNT = Number(process.env.BENCH_MESSAGES ?? 2000)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4)

/** Sends COUNT messages over a pool of implicit-TLS connections; messages per second. */
const blast = async (port: number, auth: { user: string; pass: string }, from: string) => {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port,
    secure: true,
    pool: true,
    maxConnections: CONNECTIONS,
    maxMessages: Number.POSITIVE_INFINITY,
    auth,
    tls: { rejectUnauthorized: false }
  })
  const send = (i: number) =>
    transport.sendMail({
      from,
      to: `r${i}@receiver.test`,
      subject: `Relay ${i}`,
      text: "A message submitted over SMTP, as an application would."
    })
  await Promise.all(Array.from({ length: CONNECTIONS * 2 }, (_, i) => send(i))) // warm up
  const started = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: CONNECTIONS * 4 }, async () => {
      while (next < COUNT) await send(next++)
    })
  )
  const seconds = (performance.now() - started) / 1000
  transport.close()
  return COUNT / seconds
}

const main = async () => {
  const pems = await generate([{ name: "commonName", value: "localhost" }], { keySize: 2048 })
  // Baseline: smtp-server alone, same TLS, accepting any login and dropping every message.
  const bare = new SMTPServer({
    secure: true,
    key: pems.private,
    cert: pems.cert,
    logger: false,
    authMethods: ["PLAIN", "LOGIN"],
    onAuth: (_auth, _session, callback) => callback(null, { user: "bench" }),
    onData: (stream, _session, callback) => {
      stream.on("data", () => {})
      stream.on("end", () => callback(null))
    }
  })
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", () => resolve()))
  const barePort = (bare.server.address() as AddressInfo).port

  const db = await benchDatabase()
  const dns = await startDnsServer()
  const key = `sk_live_${randomBytes(32).toString("base64url")}`
  const [port, smtpPort] = [await freePort(), await freePort()]
  const server = startApp("apps/server/src/main.ts", {
    ...benchEnv({ databaseUrl: db.url, dns }),
    PORT: String(port),
    POSTSTACK_HOST: "127.0.0.1",
    POSTSTACK_BOOTSTRAP_API_KEY: key,
    POSTSTACK_RATE_LIMIT_REQUESTS: "10000000",
    POSTSTACK_RUN_WORKER: "false",
    POSTSTACK_SMTP_HOST: "127.0.0.1",
    POSTSTACK_SMTP_SUBMISSION_PORT: String(smtpPort),
    POSTSTACK_SMTP_SUBMISSION_TLS_PORT: "off",
    POSTSTACK_SMTP_INBOUND_PORT: "off"
  })
  started.push(server)
  const baseUrl = `http://127.0.0.1:${port}`
  await verifiedDomain(baseUrl, key, dns, "bench.test")

  // The same bare server in a process of its own, as the relay is: its round trips wait for the
  // scheduler like the relay's, which the in-process baseline never does.
  const apartPort = await freePort()
  const apart = startApp("bench/relay-baseline.ts", {
    PORT: String(apartPort),
    BENCH_TLS_KEY: pems.private,
    BENCH_TLS_CERT: pems.cert
  })
  started.push(apart)
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const probe = connect(apartPort, "127.0.0.1", () => {
          probe.destroy()
          resolve(true)
        })
        probe.on("error", () => resolve(false))
      }),
    60_000
  )

  const baseline = await blast(barePort, { user: "bench", pass: "bench" }, "bench@bench.test")
  const apartCpuBefore = cpuMs(apart.pid ?? 0)
  const apartSplitBefore = cpuSplitMs(apart.pid ?? 0)
  const baselineApart = await blast(apartPort, { user: "bench", pass: "bench" }, "bench@bench.test")
  const apartCpuPerMessage = (cpuMs(apart.pid ?? 0) - apartCpuBefore) / (COUNT + CONNECTIONS * 2)
  const apartSystemPerMessage =
    (cpuSplitMs(apart.pid ?? 0).system - apartSplitBefore.system) / (COUNT + CONNECTIONS * 2)
  apart.kill("SIGTERM")
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  const cpuBefore = cpuMs(server.pid ?? 0)
  const splitBefore = cpuSplitMs(server.pid ?? 0)
  const dbBefore = await databaseCpuMs(client)
  const ours = await blast(smtpPort, { user: "poststack", pass: key }, "Bench <bench@bench.test>")
  const cpuPerMessage = (cpuMs(server.pid ?? 0) - cpuBefore) / (COUNT + CONNECTIONS * 2)
  // The kernel's part: socket writes and reads (TLS replies, PostgreSQL round trips) and wake-ups.
  const systemPerMessage =
    (cpuSplitMs(server.pid ?? 0).system - splitBefore.system) / (COUNT + CONNECTIONS * 2)
  const dbPerMessage = (await databaseCpuMs(client, dbBefore.byPid)).total / (COUNT + CONNECTIONS * 2)
  // Each group commit is one transaction: its emails share their row's xmin.
  const commits = (
    await client.query<{ emails: string; commits: string }>(
      "SELECT count(*) AS emails, count(DISTINCT xmin::text) AS commits FROM emails"
    )
  ).rows[0]
  await client.end()
  console.log(`SMTP relay, ${COUNT} messages over ${CONNECTIONS} pooled implicit-TLS connections`)
  console.log(
    `baseline (bare smtp-server, drops mail)  ${baseline.toFixed(0)} msg/s (in the bench's own process)`
  )
  console.log(
    `baseline, in a process of its own          ${baselineApart.toFixed(0)} msg/s (server CPU ${apartCpuPerMessage.toFixed(2)} ms/msg, of which system ${apartSystemPerMessage.toFixed(2)})`
  )
  console.log(
    `poststack (auth, checks, committed)       ${ours.toFixed(0)} msg/s (server CPU ${cpuPerMessage.toFixed(2)} ms/msg, of which system ${systemPerMessage.toFixed(2)}; PostgreSQL ${dbPerMessage.toFixed(2)} ms/msg)`
  )
  console.log(
    `group commits: ${commits?.commits} for ${commits?.emails} emails (${(Number(commits?.emails) / Number(commits?.commits)).toFixed(2)} per commit)`
  )
  console.log(`ratio (poststack / baseline): ${(ours / baseline).toFixed(2)}x`)
  console.log(`ratio (poststack / baseline in a process of its own): ${(ours / baselineApart).toFixed(2)}x`)
  server.kill("SIGTERM")
  await new Promise((r) => server.once("exit", r))
  bare.close()
  await dns.close()
  await db.close()
}

main().catch((error) => {
  console.error(error)
  for (const child of started) child.kill("SIGTERM")
  process.exit(1)
})
