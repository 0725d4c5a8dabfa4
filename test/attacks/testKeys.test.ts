import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
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
    await teams.close()
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
})
