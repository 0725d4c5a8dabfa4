import { PgDatabase } from "@poststack/adapters-persistence"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import { noTasks } from "../support/webhookWorker.js"
import { edge, node } from "./graph.js"

type Wire = Record<string, unknown>

describe("workflows over HTTP, PostgreSQL, the worker and SMTP", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  let server: TestServer
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>
  let key: string
  let otherKey: string
  let template: string
  const api = (method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, key, method, path, body)
  const send = (id: string, subject: string) =>
    node(id, "send_email", { template_id: template, from: "hello@flow.test", subject })
  const welcome = () => ({
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
  })
  const createWorkflow = async (body: Wire) => {
    const res = await api("POST", "/workflows", body)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return (res.body.workflow as Wire & { publicId: string }).publicId
  }
  const contact = async (email: string) => {
    const res = await api("POST", "/contacts", { email })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return (res.body.contact as { publicId: string }).publicId
  }
  const mailTo = (address: string) =>
    sink.received
      .filter((m) => m.to.includes(address))
      .map((m) => /^Subject: (.*)$/m.exec(m.raw.toString())?.[1])
  const eventually = async (check: () => Promise<boolean> | boolean, ms = 20_000) => {
    const deadline = Date.now() + ms
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error("condition not reached in time")
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    server = await startTestServer({ databaseUrl: db.url, dnsServers: [dns.address] })
    key = (await server.bootstrap()) ?? ""
    otherKey = await insertTeamWithKey(db.url, "other team")
    await addVerifiedDomain(server.baseUrl, key, dns, "flow.test")
    dns.publish("receiver.test", "MX", "mx1.receiver.test")
    dns.publish("mx1.receiver.test", "A", "127.0.0.1")
    const t = await api("POST", "/templates", {
      name: "Welcome",
      subject: "Hi",
      html: "<p>Hi {{ contact.first_name }}</p>"
    })
    template = (t.body.template as { publicId: string }).publicId
    expect((await api("POST", `/templates/${template}/publish`)).status).toBe(200)
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, jobs).pipe(
        Layer.provide(testServices({ dnsServers: [dns.address], mxPort: sink.port, allowPrivateMx: true })),
        Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 6 }))
      )
    )
    await worker.runPromise(Effect.void)
  })
  afterAll(async () => {
    await worker?.dispose()
    await server?.close()
    await sink?.close()
    await dns?.close()
    await db?.drop()
  })

  it("creates, lists, gets, updates and deletes workflows with the SDK's envelopes; other teams get 404", async () => {
    const id = await createWorkflow({ name: "Onboarding", trigger_type: "manual" })
    expect(id).toMatch(/^wf_[0-9a-f]{24}$/)
    const got = await api("GET", `/workflows/${id}`)
    expect(got.body.workflow).toMatchObject({
      publicId: id,
      name: "Onboarding",
      triggerType: "manual",
      status: "draft"
    })
    expect(((await api("GET", "/workflows")).body.data as Array<Wire>).map((w) => w.publicId)).toContain(id)
    const patched = await api("PATCH", `/workflows/${id}`, {
      name: "Renamed",
      trigger_type: "custom",
      trigger_config: { event: "signed_up" }
    })
    expect(patched.body.workflow).toMatchObject({
      name: "Renamed",
      triggerType: "custom",
      triggerConfig: { event: "signed_up" }
    })
    expect(
      (await api("PATCH", `/workflows/${id}`, { trigger_type: "manual", trigger_config: { event: "x" } }))
        .status
    ).toBe(422)
    expect((await api("POST", "/workflows", { name: "x", trigger_type: "on_full_moon" })).status).toBe(400)
    expect((await api("POST", "/workflows", { name: "x", trigger_type: "custom" })).status).toBe(422)
    expect((await callApi(server.baseUrl, otherKey, "GET", `/workflows/${id}`)).status).toBe(404)
    expect((await callApi(server.baseUrl, otherKey, "PUT", `/workflows/${id}/graph`, welcome())).status).toBe(
      404
    )
    expect((await api("DELETE", `/workflows/${id}`)).body).toMatchObject({ success: true })
    expect((await api("GET", `/workflows/${id}`)).status).toBe(404)
  })

  it("refuses malformed graphs naming the node, reports unfinished ones, and refuses to activate them (422)", async () => {
    const id = await createWorkflow({ name: "Graphs", trigger_type: "manual" })
    const put = (graph: unknown) => api("PUT", `/workflows/${id}/graph`, graph)
    const unknown = await put({ nodes: [node("t", "trigger"), node("n9", "teleport")], edges: [] })
    expect(unknown.status).toBe(422)
    expect(unknown.body.error).toContain('node n9: unknown node type "teleport"')
    const dangling = await put({ nodes: [node("t", "trigger")], edges: [edge("t", "ghost")] })
    expect(dangling.status).toBe(422)
    expect(dangling.body.error).toContain("node ghost")
    const huge = await put({
      nodes: [
        node("t", "trigger"),
        node("big", "send_email", { template_id: template, from: "a@flow.test", subject: "x".repeat(9_000) })
      ],
      edges: []
    })
    expect(huge.status).toBe(422)
    expect(huge.body.error).toContain("node big: config is")
    const cycle = {
      nodes: [
        node("t", "trigger"),
        send("a", "A"),
        node("b", "condition", { email: { node: "a", event: "opened" } })
      ],
      edges: [edge("t", "a"), edge("a", "b"), edge("b", "a", "match")]
    }
    expect((await put(cycle)).status).toBe(200)
    const report = await api("POST", `/workflows/${id}/validate`)
    expect(report.body.valid).toBe(false)
    expect(report.body.errors).toEqual(
      expect.arrayContaining([
        "node b: the no_match branch is not wired",
        expect.stringMatching(/^node (a|b): is on a cycle with no wait/)
      ])
    )
    const refused = await api("POST", `/workflows/${id}/activate`)
    expect(refused.status).toBe(422)
    expect(refused.body.code).toBe("unprocessable_entity")
    // Another team's template is as unknown as a missing one.
    const foreign = await callApi(server.baseUrl, otherKey, "POST", "/templates", {
      name: "Theirs",
      subject: "S",
      html: "<p>x</p>"
    })
    const theirs = (foreign.body.template as { publicId: string }).publicId
    expect(
      (
        await put({
          nodes: [
            node("t", "trigger"),
            node("s", "send_email", { template_id: theirs, from: "a@flow.test" })
          ],
          edges: [edge("t", "s")]
        })
      ).status
    ).toBe(200)
    const report2 = await api("POST", `/workflows/${id}/validate`)
    expect(report2.body).toEqual({ valid: false, errors: [`node s: template ${theirs} not found`] })
    // The team's own template, still a draft, is named as one, not as missing.
    const draft = (
      (await api("POST", "/templates", { name: "Draft", subject: "S", html: "<p>x</p>" })).body.template as {
        publicId: string
      }
    ).publicId
    expect(
      (
        await put({
          nodes: [node("t", "trigger"), node("s", "send_email", { template_id: draft, from: "a@flow.test" })],
          edges: [edge("t", "s")]
        })
      ).status
    ).toBe(200)
    expect((await api("POST", `/workflows/${id}/validate`)).body).toEqual({
      valid: false,
      errors: [`node s: template ${draft} is a draft: publish it first`]
    })
    expect((await put(welcome())).status).toBe(200)
    expect((await api("POST", `/workflows/${id}/validate`)).body).toEqual({ valid: true })
    expect((await api("GET", `/workflows/${id}/graph`)).body.graph).toMatchObject({
      nodes: welcome().nodes,
      edges: welcome().edges
    })
    expect(
      (await api("POST", `/workflows/${id}/steps`, { step_type: "wait", config: {}, position: 0 })).status
    ).toBe(410)
    expect((await api("DELETE", `/workflows/${id}/steps/1`)).body).toMatchObject({ code: "gone" })
  })

  it("runs the welcome series for manual triggers: one mail to who opened, two to who did not, each once", async () => {
    const id = await createWorkflow({ name: "Welcome", trigger_type: "manual" })
    expect((await api("PUT", `/workflows/${id}/graph`, welcome())).status).toBe(200)
    const ann = await contact("ann@receiver.test")
    const bob = await contact("bob@receiver.test")
    expect((await api("POST", `/workflows/${id}/trigger`, { contact_id: ann })).status).toBe(422)
    expect((await api("POST", `/workflows/${id}/activate`)).body.workflow).toMatchObject({ status: "active" })
    const started = await api("POST", `/workflows/${id}/trigger`, { contact_id: ann })
    expect(started.status).toBe(201)
    expect(started.body).toMatchObject({ success: true, run: { status: "running", currentNodeId: "t" } })
    const again = await api("POST", `/workflows/${id}/trigger`, { contact_id: ann })
    expect(again.status).toBe(422)
    expect((await api("POST", `/workflows/${id}/trigger`, { contact_id: bob })).status).toBe(201)
    expect(
      (await api("POST", `/workflows/${id}/trigger`, { contact_id: "con_000000000000000000000000" })).status
    ).toBe(404)
    // Ann opens her welcome mail as soon as it exists (recorded as the tracking pixel records
    // it): the wait starts when the mail is accepted, not when it arrives.
    await eventually(
      async () =>
        (await query(db.url, "SELECT 1 FROM emails WHERE $1 = ANY (to_addresses)", ["ann@receiver.test"]))
          .length === 1
    )
    await query(
      db.url,
      `INSERT INTO email_events (email_id, event_type) SELECT e.id, 'opened' FROM emails e
       WHERE $1 = ANY (e.to_addresses)`,
      ["ann@receiver.test"]
    )
    const runs = async () =>
      (await api("GET", `/workflows/${id}/runs`)).body.data as Array<Wire & { id: number }>
    await eventually(async () => (await runs()).every((r) => r.status === "completed"))
    // A completed run has handed its mail to the pipeline; delivery follows.
    await eventually(() => mailTo("ann@receiver.test").length >= 1 && mailTo("bob@receiver.test").length >= 2)
    await new Promise((r) => setTimeout(r, 500))
    expect(mailTo("ann@receiver.test")).toEqual(["Welcome"])
    expect(mailTo("bob@receiver.test")).toEqual(["Welcome", "Did you see this?"])
    const bobRun = (await runs()).find((r) => (r.nodesVisited as Array<string>).includes("s2")) as Wire & {
      id: number
    }
    expect(bobRun.nodesVisited).toEqual(["t", "s1", "w", "c", "s2"])
    const detail = await api("GET", `/workflows/${id}/runs/${bobRun.id}`)
    expect((detail.body.steps as Array<Wire>).map((s) => `${s.nodeId}:${s.outcome}`)).toEqual([
      "t:entered",
      "s1:sent",
      "w:waiting",
      "w:waited",
      "c:no_match",
      "s2:sent"
    ])
    expect(
      (await callApi(server.baseUrl, otherKey, "GET", `/workflows/${id}/runs/${bobRun.id}`)).status
    ).toBe(404)
  })

  it("starts a run that first waits a fixed delay already waiting, unless its stored graph changed behind the entry", async () => {
    const id = await createWorkflow({ name: "Later", trigger_type: "manual" })
    await api("PUT", `/workflows/${id}/graph`, {
      nodes: [node("t", "trigger"), node("w", "wait", { delay: "1s" }), send("s", "A second later")],
      edges: [edge("t", "w"), edge("w", "s")]
    })
    await api("POST", `/workflows/${id}/activate`)
    const started = await api("POST", `/workflows/${id}/trigger`, {
      contact_id: await contact("eli@receiver.test")
    })
    expect(started.status).toBe(201)
    const run = started.body.run as Wire & { id: number; waitUntil: string }
    expect(run).toMatchObject({ status: "running", currentNodeId: "w", nodesVisited: ["t"] })
    const steps = async (runId: number) =>
      ((await api("GET", `/workflows/${id}/runs/${runId}`)).body.steps as Array<Wire>).map(
        (s) => `${s.nodeId}:${s.outcome}`
      )
    expect(await steps(run.id)).toEqual(["t:entered", "w:waiting"])
    await eventually(() => mailTo("eli@receiver.test").includes("A second later"))
    expect(await steps(run.id)).toEqual(["t:entered", "w:waiting", "w:waited", "s:sent"])
    // A server older than the entry saves a graph without the wait: the stored entry no longer
    // belongs to the graph, so the next run starts at the trigger and goes straight to the send.
    await query(
      db.url,
      `UPDATE workflows SET graph = jsonb_set(graph, '{edges}', '[{"from_public_id": "t", "to_public_id": "s", "branch": null}]')
       WHERE public_id = $1`,
      [id]
    )
    const next = await api("POST", `/workflows/${id}/trigger`, {
      contact_id: await contact("fay@receiver.test")
    })
    expect(next.body.run).toMatchObject({ currentNodeId: "t", nodesVisited: [], waitUntil: null })
    await eventually(() => mailTo("fay@receiver.test").includes("A second later"))
    expect(await steps((next.body.run as { id: number }).id)).toEqual(["t:entered", "s:sent"])
  })

  it("holds runs while paused and resumes them; contact.created and custom events enrol contacts", async () => {
    const id = await createWorkflow({ name: "On sign-up", trigger_type: "contact.created" })
    const graph = {
      nodes: [node("t", "trigger"), node("w", "wait", { delay: "1s" }), send("s", "Glad you joined")],
      edges: [edge("t", "w"), edge("w", "s")]
    }
    await api("PUT", `/workflows/${id}/graph`, graph)
    await api("POST", `/workflows/${id}/activate`)
    await contact("cat@receiver.test")
    const runs = async () => (await api("GET", `/workflows/${id}/runs`)).body.data as Array<Wire>
    await eventually(async () => (await runs()).some((r) => r.currentNodeId === "w"))
    expect((await api("POST", `/workflows/${id}/pause`)).body.workflow).toMatchObject({ status: "paused" })
    await new Promise((r) => setTimeout(r, 2_000))
    expect(mailTo("cat@receiver.test")).toEqual([])
    expect((await runs())[0]).toMatchObject({ status: "running", currentNodeId: "w" })
    await api("POST", `/workflows/${id}/activate`)
    await eventually(() => mailTo("cat@receiver.test").length === 1)

    const custom = await createWorkflow({
      name: "Cart",
      trigger_type: "custom",
      trigger_config: { event: "cart_abandoned" }
    })
    await api("PUT", `/workflows/${custom}/graph`, {
      nodes: [node("t", "trigger"), send("s", "Your cart")],
      edges: [edge("t", "s")]
    })
    await api("POST", `/workflows/${custom}/activate`)
    await contact("dan@receiver.test")
    expect(
      (await api("POST", "/workflows/events", { event: "cart_abandoned", email: "dan@receiver.test" })).body
    ).toEqual({
      event: "cart_abandoned",
      matched: 1
    })
    expect(
      (await api("POST", "/workflows/events", { event: "Cart_Abandoned", email: "dan@receiver.test" })).body
    ).toEqual({
      event: "Cart_Abandoned",
      matched: 0
    })
    expect(
      (await api("POST", "/workflows/events", { event: "cart_abandoned", email: "nobody@receiver.test" }))
        .status
    ).toBe(404)
    await eventually(() => mailTo("dan@receiver.test").includes("Your cart"))
  })
})
