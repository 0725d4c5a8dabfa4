import { PgDatabase } from "@poststack/adapters-persistence"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { testServices } from "../support/server.js"
import { noTasks } from "../support/webhookWorker.js"
import { expectRefusal, request, startTwoTeams, type TwoTeams } from "./harness.js"

/**
 * A test key never hands mail to a mail server. Broadcasts and workflows are the team's, made by
 * live keys or the dashboard: a full-access test key reaches them, but must not set their live mail
 * going.
 */
describe("a test key sends no live mail through broadcasts or workflows", () => {
  let teams: TwoTeams
  let testKey: string
  let contactId: string
  let segmentId: string
  let worker: ManagedRuntime.ManagedRuntime<never, unknown> | undefined
  const live = (method: string, path: string, body?: unknown) =>
    request(teams.server.baseUrl, teams.keyA, method, path, body)
  const asTest = (method: string, path: string, body?: unknown) =>
    request(teams.server.baseUrl, testKey, method, path, body)
  const liveEmails = async () =>
    Number(
      (await query<{ n: string }>(teams.db.url, "SELECT count(*) AS n FROM emails WHERE NOT test_mode"))[0]?.n
    )

  beforeAll(async () => {
    teams = await startTwoTeams()
    const key = await live("POST", "/api-keys", {
      name: "test",
      permission: "full_access",
      allow_full_access: true,
      mode: "test"
    })
    expect(key.status, key.text).toBe(201)
    testKey = String(key.body.key)
    const contact = await live("POST", "/contacts", { email: "reader@example.com" })
    contactId = String((contact.body.contact as { publicId: string }).publicId)
    const segment = await live("POST", "/segments", { name: "readers" })
    segmentId = String((segment.body.segment as { publicId: string }).publicId)
    await live("POST", `/segments/${segmentId}/contacts`, { contact_ids: [contactId] })
  })
  afterAll(async () => {
    await worker?.dispose()
    await teams.close()
  })

  it("a body idempotency key used in one mode is refused in the other, never answered with the other's email", async () => {
    const mail = { from: "A <news@a.test>", to: ["x@example.com"], subject: "receipt", text: "t" }
    const simulated = await asTest("POST", "/emails", { ...mail, idempotency_key: "order-1" })
    expect(simulated.status, simulated.text).toBe(202)
    expect(simulated.body.test_mode).toBe(true)
    // The live retry of the same body used to be answered `replayed` with the simulated email.
    const live1 = await live("POST", "/emails", { ...mail, idempotency_key: "order-1" })
    expect({ status: live1.status, code: live1.body.code }).toEqual({
      status: 422,
      code: "unprocessable_entity"
    })
    const sent = await live("POST", "/emails", { ...mail, idempotency_key: "order-2" })
    expect(sent.status, sent.text).toBe(202)
    const test2 = await asTest("POST", "/emails", { ...mail, idempotency_key: "order-2" })
    expect({ status: test2.status, code: test2.body.code }).toEqual({
      status: 422,
      code: "unprocessable_entity"
    })
    // Within one mode a retry is still the same email.
    const again = await asTest("POST", "/emails", { ...mail, idempotency_key: "order-1" })
    expect(again.body).toMatchObject({ id: simulated.body.id, replayed: true, test_mode: true })
  })

  it("sending a live draft with a test key is 403 and leaves it a draft; its own test-mode draft sends", async () => {
    const draft = await live("POST", "/broadcasts", {
      segment_id: segmentId,
      from: "news@a.test",
      subject: "Live news",
      text: "hello"
    })
    expect(draft.status, draft.text).toBe(201)
    const id = String((draft.body.broadcast as { publicId: string }).publicId)
    const before = await liveEmails()

    const sent = await asTest("POST", `/broadcasts/${id}/send`)
    expectRefusal(sent, 403, "forbidden")
    expect(sent.body.error).toMatch(/test key cannot send a live broadcast/)
    const after = await live("GET", `/broadcasts/${id}`)
    expect((after.body.broadcast as { status: string }).status).toBe("draft")
    expect(await liveEmails()).toBe(before)

    const own = await asTest("POST", "/broadcasts", {
      segment_id: segmentId,
      from: "news@a.test",
      subject: "Test news",
      text: "hello"
    })
    expect(own.status, own.text).toBe(201)
    const ownId = String((own.body.broadcast as { publicId: string }).publicId)
    const queued = await asTest("POST", `/broadcasts/${ownId}/send`)
    expect(queued.status, queued.text).toBe(200)
  })

  it("triggering a workflow or posting its event with a test key is 403 and starts no run", async () => {
    const workflow = await live("POST", "/workflows", { name: "Welcome", trigger_type: "manual" })
    const id = String((workflow.body.workflow as { publicId: string }).publicId)
    const trigger = { public_id: "t", type: "trigger", config: {}, canvas_x: 0, canvas_y: 0 }
    expect((await live("PUT", `/workflows/${id}/graph`, { nodes: [trigger], edges: [] })).status).toBe(200)
    expect((await live("POST", `/workflows/${id}/activate`)).status).toBe(200)
    const custom = await live("POST", "/workflows", {
      name: "On event",
      trigger_type: "custom",
      trigger_config: { event: "signed_up" }
    })
    const customId = String((custom.body.workflow as { publicId: string }).publicId)
    expect((await live("PUT", `/workflows/${customId}/graph`, { nodes: [trigger], edges: [] })).status).toBe(
      200
    )
    expect((await live("POST", `/workflows/${customId}/activate`)).status).toBe(200)

    const triggered = await asTest("POST", `/workflows/${id}/trigger`, { contact_id: contactId })
    expectRefusal(triggered, 403, "forbidden")
    expect(triggered.body.error).toMatch(/test key cannot start workflow runs/)
    const event = await asTest("POST", "/workflows/events", { event: "signed_up", contact_id: contactId })
    expectRefusal(event, 403, "forbidden")
    const runs = await query<{ n: string }>(teams.db.url, "SELECT count(*) AS n FROM workflow_runs")
    expect(Number(runs[0]?.n)).toBe(0)

    // A live key still starts them.
    expect((await live("POST", `/workflows/${id}/trigger`, { contact_id: contactId })).status).toBe(201)
    const matched = await live("POST", "/workflows/events", { event: "signed_up", contact_id: contactId })
    expect(matched.status, matched.text).toBe(200)
    expect(matched.body.matched).toBe(1)
  })

  it("a test key activates no workflow, and its contact changes reach none; a live key's start their runs", async () => {
    const trigger = { public_id: "t", type: "trigger", config: {}, canvas_x: 0, canvas_y: 0 }
    const listening = async (trigger_type: string) => {
      const created = await live("POST", "/workflows", { name: trigger_type, trigger_type })
      const id = String((created.body.workflow as { publicId: string }).publicId)
      expect((await live("PUT", `/workflows/${id}/graph`, { nodes: [trigger], edges: [] })).status).toBe(200)
      // Activating one would set live mail going: a test key may not.
      const byTest = await asTest("POST", `/workflows/${id}/activate`)
      expectRefusal(byTest, 403, "forbidden")
      expect(byTest.body.error).toMatch(/test key cannot activate a workflow/)
      expect((await live("GET", `/workflows/${id}`)).body.workflow).toMatchObject({ status: "draft" })
      expect((await live("POST", `/workflows/${id}/activate`)).status).toBe(200)
      return id
    }
    const [onCreated, onUpdated] = [await listening("contact.created"), await listening("contact.updated")]
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, jobs).pipe(
        Layer.provide(testServices({ dnsServers: [teams.dns.address] })),
        Layer.provide(PgDatabase.layer(Redacted.make(teams.db.url), { maxConnections: 4 }))
      )
    )
    await worker.runPromise(Effect.void)
    const contactOf = (r: { body: Record<string, unknown> }) =>
      String((r.body.contact as { publicId: string }).publicId)
    const runsOf = async (id: string) =>
      (
        await query<{ email: string }>(
          teams.db.url,
          `SELECT c.email FROM workflow_runs r JOIN workflows w ON w.id = r.workflow_id
           JOIN contacts c ON c.id = r.contact_id
           WHERE w.public_id = $1 AND c.email IN ('trial@example.com', 'real@example.com') ORDER BY r.id`,
          [id]
        )
      ).map((r) => r.email)

    // The test key's contact is made and changed; then a live key's, whose runs show the worker
    // has read every event before it (the trigger reads the outbox in order).
    const made = await asTest("POST", "/contacts", { email: "trial@example.com" })
    expect(made.status, made.text).toBe(201)
    const trial = contactOf(made)
    expect((await asTest("PATCH", `/contacts/${trial}`, { first_name: "Trial" })).status).toBe(200)
    const real = contactOf(await live("POST", "/contacts", { email: "real@example.com" }))
    expect((await live("GET", `/workflows/${onCreated}/runs`)).status).toBe(200)
    expect((await live("PATCH", `/contacts/${real}`, { first_name: "Real" })).status).toBe(200)
    const deadline = Date.now() + 15_000
    while ((await runsOf(onUpdated)).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100))
    expect(await runsOf(onCreated)).toEqual(["real@example.com"])
    expect(await runsOf(onUpdated)).toEqual(["real@example.com"])
    // The test key's events still reached the outbox, for webhooks.
    const events = await query<{ type: string }>(
      teams.db.url,
      "SELECT type FROM events WHERE payload->>'contact_id' = $1 ORDER BY id",
      [trial]
    )
    expect(events.map((e) => e.type)).toEqual(["contact.created", "contact.updated"])
  })
})
