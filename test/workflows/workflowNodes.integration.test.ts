import { createHmac } from "node:crypto"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { PgDatabase } from "@poststack/adapters-persistence"
import { jobs, WorkerLive, webhookJobs } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase, query } from "../support/database.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { dispatcherSettings, noTasks } from "../support/webhookWorker.js"
import { edge, node } from "./graph.js"

type Wire = Record<string, unknown>

interface Received {
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
  readonly answered: number
}

/**
 * A webhook receiver on loopback: answers each POST with the first status `answers` holds for
 * the event's type (then 200), so run events that reach the same endpoint take none of them.
 */
const startReceiver = async () => {
  const received: Array<Received> = []
  const answers: Array<{ readonly type: string; readonly status: number }> = []
  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8")
      const at = answers.findIndex((a) => a.type === JSON.parse(body).type)
      const status = at < 0 ? 200 : (answers.splice(at, 1)[0]?.status ?? 200)
      received.push({ headers: req.headers, body, answered: status })
      res.writeHead(status, { "Content-Type": "text/plain" }).end(status === 200 ? "ok" : "not now")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe("workflow nodes over HTTP, PostgreSQL, the worker and a loopback webhook receiver", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  let key: string
  const api = (method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, key, method, path, body)
  /** A straight line of nodes: each leads to the next. */
  const line = (...nodes: Array<ReturnType<typeof node>>) => ({
    nodes,
    edges: nodes.slice(1).map((n, i) => edge((nodes[i] as { public_id: string }).public_id, n.public_id))
  })
  const activeWorkflow = async (body: Wire, graph: unknown) => {
    const res = await api("POST", "/workflows", body)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const id = (res.body.workflow as { publicId: string }).publicId
    const put = await api("PUT", `/workflows/${id}/graph`, graph)
    expect(put.status, JSON.stringify(put.body)).toBe(200)
    const activated = await api("POST", `/workflows/${id}/activate`)
    expect(activated.status, JSON.stringify(activated.body)).toBe(200)
    return id
  }
  const contact = async (email: string) => {
    const res = await api("POST", "/contacts", { email })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return (res.body.contact as { publicId: string }).publicId
  }
  const trigger = async (id: string, contactId: string) => {
    const res = await api("POST", `/workflows/${id}/trigger`, { contact_id: contactId })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return (res.body.run as { id: number }).id
  }
  const run = async (id: string, runId: number) => {
    const res = await api("GET", `/workflows/${id}/runs/${runId}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body as { run: Wire & { status: string; currentNodeId: string | null }; steps: Array<Wire> }
  }
  const path = (steps: ReadonlyArray<Wire>) => steps.map((s) => `${s.nodeId}:${s.outcome}`)
  const eventually = async (check: () => Promise<boolean> | boolean, ms = 20_000) => {
    const deadline = Date.now() + ms
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error("condition not reached in time")
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  const ended = (id: string, runId: number) =>
    eventually(async () => (await run(id, runId)).run.status !== "running")

  beforeAll(async () => {
    db = await createTestDatabase()
    receiver = await startReceiver()
    const webhooks = { allowLoopback: true, timeoutMs: 5_000 }
    server = await startTestServer({ databaseUrl: db.url, webhooks })
    key = (await server.bootstrap()) ?? ""
    // Production's jobs, with the webhook dispatcher retrying in a fraction of a second.
    const settings = dispatcherSettings({ retry: { baseDelayMs: 300, maxDelayMs: 600, windowMs: 60_000 } })
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, [
        ...jobs.filter((j) => !j.name.startsWith("webhooks.")),
        ...webhookJobs(Effect.succeed(settings))
      ]).pipe(
        Layer.provide(testServices({ webhooks })),
        Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 6 }))
      )
    )
    await worker.runPromise(Effect.void)
  })
  afterAll(async () => {
    await worker?.dispose()
    await server?.close()
    await receiver?.close()
    await db?.drop()
  })

  it("updates the contact and changes its topics; a subscription starts the topic's contact.subscribed workflow", async () => {
    await api("POST", "/contact-properties", { name: "plan", label: "Plan", type: "text" })
    const news = (
      (await api("POST", "/subscription-topics", { name: "News" })).body.topic as { publicId: string }
    ).publicId
    const offers = (
      (await api("POST", "/subscription-topics", { name: "Offers" })).body.topic as { publicId: string }
    ).publicId
    // Refused: a topic of no one, and topic nodes in a workflow their own events would start again.
    expect(
      (
        await api("POST", "/workflows", {
          name: "x",
          trigger_type: "contact.subscribed",
          trigger_config: { topic_id: "top_000000000000000000000000" }
        })
      ).body
    ).toMatchObject({
      code: "unprocessable_entity",
      error: expect.stringContaining("trigger_config.topic_id")
    })
    const looping = (await api("POST", "/workflows", { name: "loop", trigger_type: "contact.subscribed" }))
      .body.workflow as { publicId: string }
    await api(
      "PUT",
      `/workflows/${looping.publicId}/graph`,
      line(node("t", "trigger"), node("s", "subscribe_topic", { topic_id: news }))
    )
    expect((await api("POST", `/workflows/${looping.publicId}/validate`)).body).toEqual({
      valid: false,
      errors: ["node s: a workflow triggered by contact.subscribed may not change topic subscriptions"]
    })

    const onNews = await activeWorkflow(
      { name: "Welcome to News", trigger_type: "contact.subscribed", trigger_config: { topic_id: news } },
      line(node("t", "trigger"), node("x", "exit"))
    )
    const onAnyTopic = await activeWorkflow(
      { name: "Any topic", trigger_type: "contact.subscribed" },
      line(node("t", "trigger"), node("x", "exit"))
    )
    const upgrade = await activeWorkflow(
      { name: "Upgrade", trigger_type: "manual" },
      line(
        node("t", "trigger"),
        node("u", "update_contact", { first_name: "Ann", properties: { plan: "pro" } }),
        node("in", "subscribe_topic", { topic_id: news }),
        node("out", "unsubscribe_topic", { topic_id: offers })
      )
    )
    const ann = await contact("ann@nodes.test")
    const runId = await trigger(upgrade, ann)
    await ended(upgrade, runId)
    const done = await run(upgrade, runId)
    expect(done.run.status).toBe("completed")
    expect(path(done.steps)).toEqual(["t:entered", "u:updated", "in:subscribed", "out:unsubscribed"])
    // No endpoint listens for run events yet: none is written.
    expect(await query(db.url, "SELECT id FROM events WHERE type LIKE 'workflow.%'")).toEqual([])
    expect((await api("GET", `/contacts/${ann}`)).body.contact).toMatchObject({
      firstName: "Ann",
      properties: { plan: "pro" }
    })
    const subscriptions = (await api("GET", `/subscription-topics/contacts/${ann}/subscriptions`)).body
      .subscriptions as Array<Wire>
    expect(subscriptions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ topicPublicId: news, subscribed: true }),
        expect.objectContaining({ topicPublicId: offers, subscribed: false })
      ])
    )
    // The node's subscription to News starts both contact.subscribed workflows, its opt-out of
    // Offers neither; a subscription through the API to Offers starts only the one for any topic.
    const runsOf = async (id: string) => (await api("GET", `/workflows/${id}/runs`)).body.data as Array<Wire>
    await eventually(
      async () => (await runsOf(onNews)).length === 1 && (await runsOf(onAnyTopic)).length === 1
    )
    const bob = await contact("bob@nodes.test")
    const chose = await api("POST", `/subscription-topics/contacts/${bob}/subscriptions`, {
      topic_id: offers
    })
    expect(chose.status, JSON.stringify(chose.body)).toBeLessThan(300)
    await eventually(async () => (await runsOf(onAnyTopic)).length === 2)
    await new Promise((r) => setTimeout(r, 600))
    expect(await runsOf(onNews)).toHaveLength(1)
  })

  it("waits for a custom event: the event ends the wait at once, else the timeout does", async () => {
    const id = await activeWorkflow(
      { name: "Paid?", trigger_type: "manual" },
      line(node("t", "trigger"), node("w", "wait", { event: "paid", timeout: "2s" }), node("x", "exit"))
    )
    const [cat, dan] = [await contact("cat@nodes.test"), await contact("dan@nodes.test")]
    const [catRun, danRun] = [await trigger(id, cat), await trigger(id, dan)]
    const waiting = async (runId: number) => path((await run(id, runId)).steps).includes("w:waiting")
    await eventually(async () => (await waiting(catRun)) && (await waiting(danRun)))
    // Another event name, or the right name for another contact, ends nothing.
    await api("POST", "/workflows/events", { event: "Paid", email: "cat@nodes.test" })
    expect((await api("POST", "/workflows/events", { event: "paid", email: "cat@nodes.test" })).body).toEqual(
      {
        event: "paid",
        matched: 0
      }
    )
    await ended(id, catRun)
    expect((await run(id, danRun)).run.status).toBe("running")
    expect(path((await run(id, catRun)).steps)).toEqual([
      "t:entered",
      "w:waiting",
      "w:event_received",
      "x:exited"
    ])
    await ended(id, danRun)
    expect(path((await run(id, danRun)).steps)).toEqual(["t:entered", "w:waiting", "w:timed_out", "x:exited"])
  })

  it("POSTs a webhook step once, signed, with a stable id, retried on failure; the run goes on; run events reach the outbox", async () => {
    const created = await api("POST", "/webhooks", {
      url: receiver.url,
      events: ["workflow.run.started", "workflow.run.completed", "workflow.run.failed"]
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const hook = created.body as { id: number; signingSecret: string }
    const id = await activeWorkflow(
      { name: "Tell the CRM", trigger_type: "manual" },
      line(
        node("t", "trigger"),
        node("h", "webhook", { webhook_id: String(hook.id), event: "trial_started" })
      )
    )
    receiver.answers.push({ type: "workflow.webhook", status: 500 })
    const eve = await contact("eve@nodes.test")
    const runId = await trigger(id, eve)
    await ended(id, runId)
    const done = await run(id, runId)
    expect(done.run.status).toBe("completed")
    expect(path(done.steps)).toEqual(["t:entered", "h:queued"])
    const step = done.steps[1] as { detail: { event_id: string; delivery_id: number } }
    expect(step.detail.event_id).toMatch(/^evt_wf\d+_[0-9a-f]{16}$/)

    const posts = () => receiver.received.filter((r) => JSON.parse(r.body).type === "workflow.webhook")
    await eventually(() => posts().some((p) => p.answered === 200))
    const [first, second] = posts()
    expect(posts()).toHaveLength(2)
    expect(first?.answered).toBe(500)
    // Both attempts carry the same id and body, each signed with the endpoint's secret.
    expect(second?.headers["webhook-id"]).toBe(step.detail.event_id)
    expect(first?.headers["webhook-id"]).toBe(step.detail.event_id)
    expect(second?.body).toBe(first?.body)
    const hmac = createHmac("sha256", hook.signingSecret)
      .update(second?.body ?? "")
      .digest("hex")
    expect(second?.headers["x-poststack-signature"]).toBe(`sha256=${hmac}`)
    expect(JSON.parse(second?.body ?? "{}")).toMatchObject({
      id: step.detail.event_id,
      type: "workflow.webhook",
      data: {
        workflow_id: id,
        run_id: runId,
        node_id: "h",
        event: "trial_started",
        contact: { contact_id: eve, email: "eve@nodes.test" }
      }
    })
    const deliveries = () =>
      query<{ status: string; attempts: number }>(
        db.url,
        "SELECT status, attempts FROM webhook_deliveries WHERE event_public_id = $1",
        [step.detail.event_id]
      )
    // The dispatcher records the attempt once the receiver has answered: a moment after the POST.
    await eventually(async () => (await deliveries())[0]?.status !== "sending")
    expect(await deliveries()).toEqual([{ status: "delivered", attempts: 2 }])
    // The run's end went through the outbox to the endpoint subscribed to it.
    await eventually(() =>
      receiver.received.some((r) => JSON.parse(r.body).type === "workflow.run.completed")
    )
    const completed = receiver.received
      .map((r) => JSON.parse(r.body))
      .find((b) => b.type === "workflow.run.completed")
    expect(completed.data).toMatchObject({
      workflow_id: id,
      run_id: runId,
      contact_id: eve,
      status: "completed",
      node_id: "h",
      nodes_visited: ["t", "h"]
    })
    const started = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM events WHERE type = 'workflow.run.started' AND (payload->>'run_id')::int = $1",
      [runId]
    )
    expect(started[0]?.n).toBe(1)
  })

  it("refuses a webhook step whose endpoint now points at a private address, before connecting, and fails the run", async () => {
    const created = await api("POST", "/webhooks", { url: receiver.url, events: ["email.sent"] })
    const hook = created.body as { id: number }
    const id = await activeWorkflow(
      { name: "Leaky", trigger_type: "manual" },
      line(node("t", "trigger"), node("h", "webhook", { webhook_id: String(hook.id) }), node("x", "exit"))
    )
    // As if the row had been written before the address rules, or by hand.
    await query(db.url, "UPDATE webhooks SET url = 'http://10.20.30.40:8080/hook' WHERE id = $1", [hook.id])
    const stepPosts = () =>
      receiver.received.filter((r) => JSON.parse(r.body).type === "workflow.webhook").length
    const before = stepPosts()
    const runId = await trigger(id, await contact("fay@nodes.test"))
    await ended(id, runId)
    const done = await run(id, runId)
    expect(done.run.status).toBe("failed")
    expect(path(done.steps)).toEqual(["t:entered", "h:failed"])
    expect(String((done.steps[1] as { detail: Wire }).detail.reason)).toMatch(/refused/)
    const queued = await query(db.url, "SELECT id FROM webhook_deliveries WHERE webhook_id = $1", [hook.id])
    expect(queued).toEqual([])
    expect(stepPosts()).toBe(before)
    const failed = await query<{ reason: string }>(
      db.url,
      "SELECT payload->>'reason' AS reason FROM events WHERE type = 'workflow.run.failed' AND (payload->>'run_id')::int = $1",
      [runId]
    )
    expect(failed[0]?.reason).toMatch(/refused/)
  })
})
