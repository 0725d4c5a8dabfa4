import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Running } from "../apps/processes.js"
import { callApi } from "../support/api.js"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startTestServer, type TestServer } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import { bundleWorker, processEnv, SCALE, waitUntil } from "./harness.js"
import { edge, node } from "../workflows/graph.js"

/**
 * A welcome series (contact.created -> send -> wait -> condition on the open of that mail -> send)
 * for a few hundred contacts while real worker processes are SIGKILLed at random moments and
 * started again, two at once for part of the time. Every contact's mail is then counted at the sink.
 */
describe("workflow runs under SIGKILL", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  let server: TestServer
  let key: string
  const workers = new Set<Running>()
  let bundled: Awaited<ReturnType<typeof bundleWorker>> | undefined
  const api = (method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, key, method, path, body)

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    key = (await server.bootstrap()) ?? ""
    await addVerifiedDomain(server.baseUrl, key, dns, "kills.test")
    dns.publish("receiver.test", "MX", "mx1.receiver.test")
    dns.publish("mx1.receiver.test", "A", "127.0.0.1")
  })
  afterAll(async () => {
    for (const w of workers) await w.stop("SIGKILL")
    bundled?.remove()
    await server?.close()
    await sink?.close()
    await dns?.close()
    await db?.drop()
  })

  it("sends every contact exactly the mail of its branch, none twice, none missing", async () => {
    const contacts = 200 * SCALE
    const t = await api("POST", "/templates", { name: "Welcome", subject: "Hi", html: "<p>Hi there</p>" })
    const template = (t.body.template as { publicId: string }).publicId
    expect((await api("POST", `/templates/${template}/publish`)).status).toBe(200)
    const send = (id: string, subject: string) =>
      node(id, "send_email", { template_id: template, from: "hello@kills.test", subject })
    const created = await api("POST", "/workflows", { name: "Welcome", trigger_type: "contact.created" })
    const workflow = (created.body.workflow as { publicId: string }).publicId
    const graph = {
      nodes: [
        node("t", "trigger"),
        send("s1", "Welcome"),
        node("w", "wait", { delay: "2s" }),
        node("c", "condition", { email: { node: "s1", event: "opened" } }),
        send("s2", "Did you see this?"),
        node("x", "exit")
      ],
      edges: [
        edge("t", "s1"),
        edge("s1", "w"),
        edge("w", "c"),
        edge("c", "x", "match"),
        edge("c", "s2", "no_match")
      ]
    }
    expect((await api("PUT", `/workflows/${workflow}/graph`, graph)).status).toBe(200)
    expect((await api("POST", `/workflows/${workflow}/activate`)).status).toBe(200)
    // The recipients called open-… open their welcome mail the moment it is accepted (recorded as
    // the tracking pixel records it), long before their wait ends: their runs take the match branch.
    await query(
      db.url,
      `CREATE FUNCTION open_welcome() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.subject = 'Welcome' AND NEW.to_addresses[1] LIKE 'open-%' THEN
           INSERT INTO email_events (email_id, event_type) VALUES (NEW.id, 'opened');
         END IF;
         RETURN NEW;
       END $$`
    )
    await query(
      db.url,
      "CREATE TRIGGER open_welcome AFTER INSERT ON emails FOR EACH ROW EXECUTE FUNCTION open_welcome()"
    )
    const addresses = Array.from(
      { length: contacts },
      (_, i) => `${i % 3 === 0 ? "open" : "keep"}-${i}@receiver.test`
    )
    const imported = await api("POST", "/contacts/import", {
      contacts: addresses.map((email) => ({ email }))
    })
    expect(imported.body).toMatchObject({ imported: contacts })

    const env = processEnv({
      databaseUrl: db.url,
      dns,
      sink,
      extra: {
        POSTSTACK_LOG_LEVEL: "info",
        // A dead worker's runs come back quickly; a live worker renews well before this.
        POSTSTACK_WORKFLOW_LEASE_MS: "1500",
        POSTSTACK_WORKFLOW_CONCURRENCY: "8"
      }
    })
    const worker = await bundleWorker()
    bundled = worker
    const start = () => {
      const w = worker.start(env)
      workers.add(w)
      return w
    }
    const random = (min: number, max: number) => min + Math.random() * (max - min)
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
    let kills = 0
    const startTimes: Array<number> = []
    /** Starts a worker, lets it run a random while once it has started, and SIGKILLs it. */
    const killOnce = async () => {
      const began = Date.now()
      const w = start()
      await w.waitFor('"worker started"', 120_000)
      startTimes.push(Date.now() - began)
      await sleep(random(200, 3_000))
      expect(await w.stop("SIGKILL")).toBeNull()
      workers.delete(w)
      kills++
    }
    const completed = async () =>
      (
        await query<{ n: number }>(
          db.url,
          "SELECT count(*)::int AS n FROM workflow_runs WHERE status = 'completed'"
        )
      )[0]?.n ?? 0
    const expected = addresses.reduce((n, a) => n + (a.startsWith("open") ? 1 : 2), 0)
    const chaosUntil = Date.now() + 35_000
    // One worker killed again and again until most runs are done; for part of the time a second
    // one beside it.
    await Promise.all([
      (async () => {
        while (Date.now() < chaosUntil && (await completed()) < contacts * 0.6) await killOnce()
      })(),
      (async () => {
        await sleep(4_000)
        for (let i = 0; i < 3 && Date.now() < chaosUntil; i++) await killOnce()
      })()
    ])
    const before = await query<{ status: string; n: number }>(
      db.url,
      "SELECT status, count(*)::int AS n FROM workflow_runs GROUP BY status"
    )

    // A last worker finishes what is left.
    const last = start()
    // Earlier workers may have finished every run already: the stop below is only clean once this
    // worker has started (a SIGTERM before its handlers exist kills it outright).
    await last.waitFor('"worker started"', 120_000)
    const runsDone = async () => (await completed()) === contacts
    const byMessageId = () => {
      const seen = new Map<string, { to: string; subject: string; copies: number }>()
      for (const m of sink.received) {
        const raw = m.raw.toString()
        const id = /^Message-ID: (.*)$/im.exec(raw)?.[1] ?? ""
        const subject = /^Subject: (.*)$/m.exec(raw)?.[1] ?? ""
        const entry = seen.get(id)
        if (entry === undefined) seen.set(id, { to: m.to.join(","), subject, copies: 1 })
        else entry.copies++
      }
      return seen
    }
    await waitUntil(
      async () => (await runsDone()) && byMessageId().size >= expected,
      60_000,
      () => `runs ${JSON.stringify(before)}, messages ${byMessageId().size} of ${expected}\n${last.output()}`
    )
    await sleep(1_000)
    expect(await last.stop("SIGTERM")).toBe(0)
    workers.delete(last)

    // Every contact got exactly the mail of its branch, each message once.
    const messages = byMessageId()
    const got = new Map<string, Array<string>>()
    for (const m of messages.values()) got.set(m.to, [...(got.get(m.to) ?? []), m.subject].sort())
    const wrong = addresses.filter((a) => {
      const want = a.startsWith("open") ? ["Welcome"] : ["Did you see this?", "Welcome"]
      return JSON.stringify(got.get(a) ?? []) !== JSON.stringify(want)
    })
    expect(wrong.map((a) => `${a}: ${JSON.stringify(got.get(a) ?? [])}`)).toEqual([])
    expect(messages.size).toBe(expected)
    // The pipeline holds one email per step: a repeated step found its email instead of sending another.
    const emails = await query<{ to: string; n: number }>(
      db.url,
      "SELECT to_addresses[1] AS to, count(*)::int AS n FROM emails GROUP BY 1 HAVING count(*) <> CASE WHEN to_addresses[1] LIKE 'open-%' THEN 1 ELSE 2 END"
    )
    expect(emails).toEqual([])
    // Each run's history names each node once (a wait twice: waiting, then waited).
    const repeated = await query<{ run_id: string; node_id: string; n: number }>(
      db.url,
      `SELECT run_id, node_id, count(*)::int AS n FROM workflow_run_steps GROUP BY 1, 2
       HAVING count(*) <> CASE WHEN node_id = 'w' THEN 2 ELSE 1 END`
    )
    expect(repeated).toEqual([])
    const redelivered = [...messages.values()].filter((m) => m.copies > 1).length
    console.log(
      `workflow kills: ${contacts} contacts, ${kills} SIGKILLs (workers took ${startTimes.map((ms) => (ms / 1000).toFixed(1)).join(", ")} s to start; runs when the chaos ended: ${JSON.stringify(before)}), ${messages.size} messages as expected, ${redelivered} delivered twice under the same Message-ID by a delivery cut short`
    )
    expect(kills).toBeGreaterThanOrEqual(4)
  }, 150_000)
})
