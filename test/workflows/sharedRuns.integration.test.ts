import { PgDatabase } from "@poststack/adapters-persistence"
import { WorkflowStore } from "@poststack/application"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, Logger, LogLevel, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import { noTasks } from "../support/webhookWorker.js"
import { edge, node } from "./graph.js"

/** Two workers on one database, each with its own pool, sharing the runs of one workflow. */
describe("workflow runs shared by two workers", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  let server: TestServer
  let key: string
  const workers: Array<ManagedRuntime.ManagedRuntime<never, unknown>> = []
  // The runs each worker claimed, one entry per claim of a run.
  const claimed: Array<Array<number>> = [[], []]
  const api = (method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, key, method, path, body)

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    key = (await server.bootstrap()) ?? ""
    await addVerifiedDomain(server.baseUrl, key, dns, "shared.test")
    dns.publish("receiver.test", "MX", "mx1.receiver.test")
    dns.publish("mx1.receiver.test", "A", "127.0.0.1")
    for (const claims of claimed) {
      const services = testServices({ dnsServers: [dns.address], mxPort: sink.port, allowPrivateMx: true })
      // The worker's own store, noting every run it claims.
      const noting = Layer.effect(
        WorkflowStore,
        Effect.map(WorkflowStore, (store) => ({
          ...store,
          claim: (request: Parameters<typeof store.claim>[0]) =>
            store.claim(request).pipe(Effect.tap((runs) => claims.push(...runs.map((r) => r.run.id))))
        }))
      )
      const worker = ManagedRuntime.make(
        WorkerLive.layer(noTasks, jobs).pipe(
          Layer.provide(noting.pipe(Layer.provideMerge(services))),
          Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 6 })),
          Layer.provide(Logger.minimumLogLevel(LogLevel.Warning))
        )
      )
      await worker.runPromise(Effect.void)
      workers.push(worker)
    }
  })
  afterAll(async () => {
    for (const w of workers) await w.dispose()
    await server?.close()
    await sink?.close()
    await dns?.close()
    await db?.drop()
  })

  it("both make progress and no run is advanced twice: one history row per step, one mail per contact", async () => {
    const count = 200
    const t = await api("POST", "/templates", { name: "Hello", subject: "Hello", html: "<p>Hello</p>" })
    const template = (t.body.template as { publicId: string }).publicId
    expect((await api("POST", `/templates/${template}/publish`)).status).toBe(200)
    const created = await api("POST", "/workflows", { name: "Shared", trigger_type: "contact.created" })
    const workflow = (created.body.workflow as { publicId: string }).publicId
    const graph = {
      nodes: [
        node("t", "trigger"),
        node("s", "send_email", { template_id: template, from: "hello@shared.test" }),
        node("w", "wait", { delay: "1s" }),
        node("x", "exit")
      ],
      edges: [edge("t", "s"), edge("s", "w"), edge("w", "x")]
    }
    expect((await api("PUT", `/workflows/${workflow}/graph`, graph)).status).toBe(200)
    expect((await api("POST", `/workflows/${workflow}/activate`)).status).toBe(200)
    const addresses = Array.from({ length: count }, (_, i) => `shared-${i}@receiver.test`)
    expect(
      (await api("POST", "/contacts/import", { contacts: addresses.map((email) => ({ email })) })).body
    ).toMatchObject({ imported: count })

    const deadline = Date.now() + 60_000
    const done = async () =>
      (
        await query<{ n: number }>(
          db.url,
          "SELECT count(*)::int AS n FROM workflow_runs WHERE status = 'completed'"
        )
      )[0]?.n === count
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error("the runs did not complete in time")
      await new Promise((r) => setTimeout(r, 100))
    }
    while (sink.received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))

    // Both workers claimed runs (each run is claimed at least twice: at its start and after its wait).
    const [first = [], second = []] = claimed
    expect(first.length).toBeGreaterThan(0)
    expect(second.length).toBeGreaterThan(0)
    const byBoth = new Set(first.filter((id) => second.includes(id)))
    console.log(
      `shared runs: ${count} runs, claims ${first.length} + ${second.length}, ${byBoth.size} runs advanced partly by each worker`
    )
    // Every run's history has each of its four steps once (the wait twice: waiting, then waited).
    const steps = await query<{ nodes: string }>(
      db.url,
      "SELECT string_agg(node_id, ',' ORDER BY id) AS nodes FROM workflow_run_steps GROUP BY run_id"
    )
    expect(steps).toHaveLength(count)
    expect(steps.filter((s) => s.nodes !== "t,s,w,w,x")).toEqual([])
    const perContact = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM emails GROUP BY to_addresses[1] HAVING count(*) <> 1"
    )
    expect(perContact).toEqual([])
    expect(new Set(sink.received.flatMap((m) => m.to))).toEqual(new Set(addresses))

    // A deleted contact takes its runs and their history with it (0089: one statement-level
    // trigger instead of the history's foreign key); the other runs keep theirs.
    const gone = await query<{ public_id: string; run: string }>(
      db.url,
      "SELECT c.public_id, r.id AS run FROM contacts c JOIN workflow_runs r ON r.contact_id = c.id WHERE c.email = $1",
      [addresses[0]]
    )
    expect(gone).toHaveLength(1)
    expect((await api("DELETE", `/contacts/${gone[0]?.public_id}`)).status).toBe(200)
    const left = await query<{ run: string; n: number }>(
      db.url,
      "SELECT run_id AS run, count(*)::int AS n FROM workflow_run_steps GROUP BY run_id"
    )
    expect(left.filter((r) => r.run === gone[0]?.run)).toEqual([])
    expect(left).toHaveLength(count - 1)
  }, 90_000)
})
