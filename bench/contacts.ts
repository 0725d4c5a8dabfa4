import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { chmodSync, createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import pg from "pg"
import { benchDatabase, freePort, percentile, startApp, waitFor } from "./support.js"

/**
 * Contacts at scale (issue 15), beside PostgreSQL's own baseline in the same run:
 * (a) `poststack contacts import` of a CSV with three properties vs `COPY` of the same file into a
 *     plain table: the ratio of their rates and the importer's peak RSS;
 * (b) a three-rule segment count (a property, a date, a behavioural rule) over the contacts and
 *     five events per contact, through `POST /segments/preview`: p95;
 * (c) `GET /contacts?search=` over HTTP at that size: p95.
 * `BENCH_CONTACTS` sets the size (default 100,000; the figure is 1,000,000);
 * `BENCH_ONLY=import` stops after (a).
 */
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000)
const EVENTS_PER_CONTACT = 5
const QUERIES = Number(process.env.BENCH_QUERIES ?? 40)
const root = path.resolve(import.meta.dirname, "..")

const FIRST = ["ada", "alan", "grace", "linus", "ken", "barbara", "edsger", "donald", "margaret", "dennis"]
const LAST = [
  "lovelace",
  "turing",
  "hopper",
  "torvalds",
  "thompson",
  "liskov",
  "dijkstra",
  "knuth",
  "hamilton",
  "ritchie"
]
const PLANS = ["free", "pro", "team"]

const writeCsv = async (file: string) => {
  const out = createWriteStream(file)
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", () => r()))
  await write("email,first_name,last_name,plan,seats,since\n")
  let chunk = ""
  for (let i = 0; i < CONTACTS; i++) {
    const first = FIRST[i % FIRST.length]
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]
    const day = String(1 + (i % 28)).padStart(2, "0")
    const month = String(1 + (i % 12)).padStart(2, "0")
    chunk += `${first}.${last}${i}@example${i % 97}.com,${first},${last},${PLANS[i % 3]},${i % 50},2024-${month}-${day}\n`
    if (chunk.length > 1 << 16) {
      await write(chunk)
      chunk = ""
    }
  }
  await write(chunk)
  await new Promise<void>((r) => out.end(() => r()))
}

/** The V8 flags `pnpm poststack` runs the command with (its heap bounds), so the bench runs it alike. */
const cliFlags = (
  JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }
).scripts.poststack
  ?.split(" ")
  .filter((arg) => arg.startsWith("--max-"))

/** Runs the CLI import; its own elapsed time (from its summary), wall time, and peak RSS (VmHWM). */
const runImport = (env: Record<string, string>, args: ReadonlyArray<string>) =>
  new Promise<{ importSeconds: number; wallSeconds: number; peakRssMb: number; output: string }>(
    (resolve, reject) => {
      const started = performance.now()
      const child = spawn(
        process.execPath,
        [...(cliFlags ?? []), "--import", "tsx", path.join(root, "apps/server/src/cli.ts"), ...args],
        {
          cwd: root,
          env: { ...process.env, ...env },
          stdio: ["ignore", "pipe", "pipe"]
        }
      )
      let output = ""
      let peakKb = 0
      child.stdout.on("data", (c) => (output += c))
      child.stderr.on("data", (c) => (output += c))
      const poll = setInterval(() => {
        try {
          const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))
          if (hwm?.[1] !== undefined) peakKb = Math.max(peakKb, Number(hwm[1]))
        } catch {}
      }, 50)
      child.on("exit", (code) => {
        clearInterval(poll)
        const seconds = /in ([\d.]+) s:/.exec(output)
        if (code !== 0 || seconds?.[1] === undefined)
          return reject(new Error(`import failed (${code}):\n${output}`))
        resolve({
          importSeconds: Number(seconds[1]),
          wallSeconds: (performance.now() - started) / 1000,
          peakRssMb: peakKb / 1024,
          output
        })
      })
    }
  )

const timed = async (run: () => Promise<unknown>, times: number) => {
  const ms: Array<number> = []
  for (let i = 0; i < times; i++) {
    const t = performance.now()
    await run()
    ms.push(performance.now() - t)
  }
  ms.sort((a, b) => a - b)
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), max: ms.at(-1) ?? 0 }
}

const main = async () => {
  const db = await benchDatabase()
  const dir = mkdtempSync(path.join(tmpdir(), "bench-contacts-"))
  // The server's COPY reads the file itself (same machine): its user must reach it.
  chmodSync(dir, 0o755)
  const csv = path.join(dir, "contacts.csv")
  const key = `sk_live_${randomBytes(32).toString("base64url")}`
  const encryptionKey = randomBytes(32).toString("base64")
  const port = await freePort()
  const server = startApp("apps/server/src/main.ts", {
    DATABASE_URL: db.url,
    PORT: String(port),
    POSTSTACK_HOST: "127.0.0.1",
    POSTSTACK_BOOTSTRAP_API_KEY: key,
    POSTSTACK_ENCRYPTION_KEY: encryptionKey,
    POSTSTACK_RATE_LIMIT_REQUESTS: "10000000",
    POSTSTACK_RUN_WORKER: "false",
    POSTSTACK_LOG_LEVEL: "warning"
  })
  const baseUrl = `http://127.0.0.1:${port}`
  const api = (method: string, url: string, body?: unknown) =>
    fetch(`${baseUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
  const client = new pg.Client({ connectionString: db.url })
  try {
    await waitFor(
      () =>
        fetch(`${baseUrl}/healthz`).then(
          (r) => r.ok,
          () => false
        ),
      120_000
    )
    for (const property of [
      { name: "plan", label: "Plan", type: "select", options: PLANS },
      { name: "seats", label: "Seats", type: "number" },
      { name: "since", label: "Since", type: "date" }
    ])
      if ((await api("POST", "/contact-properties", property)).status !== 201) throw new Error("property")
    await client.connect()
    const [team] = (await client.query<{ id: number }>("SELECT min(id)::int AS id FROM teams")).rows

    const t0 = performance.now()
    await writeCsv(csv)
    const mb = readFileSync(csv).length / 1e6
    console.log(
      `contacts bench: ${CONTACTS.toLocaleString("en-US")} rows, ${mb.toFixed(0)} MB CSV written in ${((performance.now() - t0) / 1000).toFixed(1)} s`
    )

    // (a) PostgreSQL's COPY of the same file into a plain table, then the importer.
    await client.query(
      "CREATE TABLE plain_contacts (email text, first_name text, last_name text, plan text, seats text, since text)"
    )
    const c0 = performance.now()
    await client.query(`COPY plain_contacts FROM '${csv}' WITH (FORMAT csv, HEADER true)`)
    const copySeconds = (performance.now() - c0) / 1000
    await client.query("DROP TABLE plain_contacts")
    const imported = await runImport({ DATABASE_URL: db.url, POSTSTACK_ENCRYPTION_KEY: encryptionKey }, [
      "contacts",
      "import",
      csv,
      "--team",
      String(team?.id),
      ...(process.env.BENCH_EVENTS === "true" ? [] : ["--no-events"])
    ])
    const ratio = copySeconds / imported.importSeconds
    console.log(
      `(a) import: COPY into a plain table ${copySeconds.toFixed(1)} s (${Math.round(CONTACTS / copySeconds).toLocaleString("en-US")} rows/s); ` +
        `poststack contacts import ${imported.importSeconds.toFixed(1)} s (${Math.round(CONTACTS / imported.importSeconds).toLocaleString("en-US")} rows/s, ` +
        `${imported.wallSeconds.toFixed(1)} s with process start) = ${ratio.toFixed(2)}x COPY (target >= 0.3x); ` +
        `importer peak RSS ${imported.peakRssMb.toFixed(0)} MB (target < 300 MB); events ${process.env.BENCH_EVENTS === "true" ? "on" : "off (--no-events)"}`
    )
    if (!imported.output.includes(`Imported ${CONTACTS.toLocaleString("en-US")} of`))
      throw new Error(imported.output)

    if (process.env.BENCH_ONLY === "import") return

    // (b) Five events per contact, spread over 90 days: one delivery each, opens among them.
    const e0 = performance.now()
    await client.query(
      "INSERT INTO domains (team_id, public_id, name) VALUES ($1, 'dom_bench00000000000', 'bench.example')",
      [team?.id]
    )
    await client.query(
      `INSERT INTO emails (public_id, team_id, domain_id, from_address, to_addresses, subject, text_body, message_id, status, test_mode, created_at)
       SELECT 'em_bench' || g, $1, (SELECT id FROM domains LIMIT 1), 'news@bench.example', '{}', 'Issue ' || g, 'Hi', '<' || g || '@bench>', 'sent', false,
         now() - make_interval(days => g)
       FROM generate_series(0, 89) g`,
      [team?.id]
    )
    await client.query(
      `INSERT INTO deliveries (email_id, team_id, recipient, kind, status, created_at)
       SELECT e.id, $1, c.email, 'to', 'delivered', e.created_at
       FROM contacts c CROSS JOIN generate_series(1, ${EVENTS_PER_CONTACT}) k
       JOIN emails e ON e.public_id = 'em_bench' || ((c.id * 7 + k * 13) % 90)`,
      [team?.id]
    )
    await client.query(
      `INSERT INTO email_events (email_id, delivery_id, event_type, metadata, created_at)
       SELECT d.email_id, d.id, CASE WHEN d.id % 3 = 0 THEN 'opened' WHEN d.id % 7 = 0 THEN 'clicked' ELSE 'delivered' END,
         '{}', d.created_at + interval '1 hour'
       FROM deliveries d`
    )
    await client.query("VACUUM ANALYZE contacts, deliveries, email_events")
    const events =
      (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM email_events")).rows[0]?.n ?? 0
    console.log(
      `    ${events.toLocaleString("en-US")} events written in ${((performance.now() - e0) / 1000).toFixed(1)} s`
    )
    // The count a rule segment preview answers (h-segments' compiler: one parameterised query).
    const rules = {
      operator: "and",
      conditions: [
        { field: "properties.plan", comparator: "equals", value: "pro" },
        { field: "properties.since", comparator: "after", value: "2024-06-01" },
        { field: "emailsOpened", comparator: "greater_than_or_equal", value: "1", windowDays: 30 }
      ]
    }
    const preview = async () => {
      const res = await api("POST", "/segments/preview", { rules })
      if (res.status !== 200) throw new Error(`preview ${res.status}: ${await res.text()}`)
      return ((await res.json()) as { count: number }).count
    }
    const count = await preview()
    const segment = await timed(preview, Math.max(5, Math.round(QUERIES / 4)))
    console.log(
      `(b) three-rule segment count, POST /segments/preview (${count.toLocaleString("en-US")} match): p50 ${segment.p50.toFixed(0)} ms, p95 ${segment.p95.toFixed(0)} ms (target < 500 ms)`
    )

    // (c) Searches over HTTP: a rare fragment (one contact) and a common name (a tenth of them).
    let n = 0
    const search = (term: () => string) =>
      timed(async () => {
        const res = await api("GET", `/contacts?search=${encodeURIComponent(term())}&per_page=20`)
        if (res.status !== 200) throw new Error(`search ${res.status}`)
        await res.arrayBuffer()
      }, QUERIES)
    const rare = await search(() => `${LAST[(n * 7) % LAST.length]}${(n++ * 7919) % CONTACTS}@`)
    const common = await search(() => FIRST[n++ % FIRST.length] ?? "ada")
    console.log(
      `(c) GET /contacts?search=: one match p50 ${rare.p50.toFixed(0)} ms, p95 ${rare.p95.toFixed(0)} ms; ` +
        `a first name (10% match) p50 ${common.p50.toFixed(0)} ms, p95 ${common.p95.toFixed(0)} ms (target < 100 ms)`
    )
  } finally {
    await client.end().catch(() => {})
    server.kill("SIGTERM")
    await new Promise((r) => setTimeout(r, 1000))
    rmSync(dir, { recursive: true, force: true })
    await db.close()
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
