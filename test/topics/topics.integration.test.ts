import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"

type Json = Record<string, unknown>

describe("subscription topics over HTTP and PostgreSQL (opt-out model)", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let key: string
  let otherKey: string
  const api = (method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, key, method, path, body)
  const asOther = (method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, otherKey, method, path, body)
  const newContact = async (email: string, as = api) => {
    const res = await as("POST", "/contacts", { email, first_name: email.split("@")[0] })
    expect(res.status).toBe(201)
    return (res.body.contact as { id: number; publicId: string }).publicId
  }
  const newTopic = async (name: string, as = api) => {
    const res = await as("POST", "/subscription-topics", { name, description: `About ${name}` })
    expect(res.status).toBe(201)
    return res.body.topic as { id: number; publicId: string; name: string }
  }
  const choices = () =>
    query<{ subscribed: boolean }>(db.url, "SELECT subscribed FROM topic_subscriptions ORDER BY id")

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startTestServer({ databaseUrl: db.url })
    key = (await server.bootstrap()) ?? ""
    otherKey = await insertTeamWithKey(db.url, "other team")
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  it("creates, lists, reads, renames and deletes topics with the contract's envelopes", async () => {
    const created = await api("POST", "/subscription-topics", {
      name: "Product news",
      description: "Monthly"
    })
    expect(created.status).toBe(201)
    const topic = created.body.topic as Json
    expect(topic).toEqual({
      id: expect.any(Number),
      publicId: expect.stringMatching(/^top_[0-9a-f]{24}$/),
      name: "Product news",
      description: "Monthly",
      createdAt: expect.any(String),
      updatedAt: expect.any(String)
    })
    const bare = await api("POST", "/subscription-topics", { name: "Events" })
    expect((bare.body.topic as Json).description).toBeNull()
    const listed = await api("GET", "/subscription-topics")
    expect((listed.body.topics as Array<Json>).map((t) => t.name)).toEqual(["Product news", "Events"])

    const id = String(topic.publicId)
    const got = await api("GET", `/subscription-topics/${id}`)
    expect(got.body).toEqual({ topic, subscriberCount: 0, unsubscribedCount: 0 })
    const patched = await api("PATCH", `/subscription-topics/${id}`, {
      name: "Product updates",
      description: null
    })
    expect(patched.status).toBe(200)
    expect(patched.body.topic).toMatchObject({ name: "Product updates", description: null, publicId: id })
    expect(
      (await api("PATCH", `/subscription-topics/${id}`, { description: "Kept name" })).body.topic
    ).toMatchObject({ name: "Product updates", description: "Kept name" })
    expect(await api("DELETE", `/subscription-topics/${id}`)).toEqual({
      status: 200,
      body: { success: true, deleted: true }
    })
    expect((await api("GET", `/subscription-topics/${id}`)).body).toEqual({
      error: "Subscription topic not found",
      code: "not_found"
    })
    expect((await api("DELETE", `/subscription-topics/${id}`)).status).toBe(404)
  })

  it("refuses malformed input with 400 and writes nothing", async () => {
    const before = await query(db.url, "SELECT * FROM subscription_topics ORDER BY id")
    for (const body of [
      {},
      { name: "" },
      { name: "x".repeat(201) },
      { name: 5 },
      { name: "ok", description: 3 },
      // A name is one line: it is shown to contacts on the preference page and in mail.
      { name: "News\r\nBcc: someone@example.com" },
      { name: "Tab\tseparated" }
    ])
      expect((await api("POST", "/subscription-topics", body)).body.code).toBe("invalid_request")
    const topic = await newTopic("Valid")
    const contact = await newContact("malformed@example.com")
    // A numeric topic id is refused, in the path and in the body, as upstream does.
    expect((await api("GET", `/subscription-topics/${topic.id}`)).status).toBe(400)
    expect((await api("PATCH", `/subscription-topics/${topic.id}`, { name: "x" })).status).toBe(400)
    const renamed = await api("PATCH", `/subscription-topics/${topic.publicId}`, { name: "Valid\nAgain" })
    expect([renamed.status, renamed.body.code]).toEqual([400, "invalid_request"])
    for (const topic_id of [topic.id, String(topic.id), "top_nope", null]) {
      const res = await api("POST", `/subscription-topics/contacts/${contact}/subscriptions`, { topic_id })
      expect(res.status).toBe(400)
      expect(res.body.code).toBe("invalid_request")
    }
    expect(
      (await api("DELETE", `/subscription-topics/contacts/${contact}/subscriptions/${topic.id}`)).status
    ).toBe(400)
    expect((await api("GET", `/subscription-topics/${topic.publicId}/subscribers?per_page=101`)).status).toBe(
      400
    )
    expect(
      (await api("GET", `/subscription-topics/${topic.publicId}/subscribers?subscribed=maybe`)).status
    ).toBe(400)
    expect(await choices()).toEqual([])
    const after = await query(db.url, "SELECT * FROM subscription_topics ORDER BY id")
    expect(after.length).toBe(before.length + 1)
  })

  it("counts every contact as subscribed until it opts out, lists both sides, and records opt-ins", async () => {
    const topic = await newTopic("Weekly digest")
    const [ann, bob, cat] = [
      await newContact("ann@example.com"),
      await newContact("bob@example.com"),
      await newContact("cat@example.com")
    ]
    const counts = async () => {
      const res = await api("GET", `/subscription-topics/${topic.publicId}`)
      return [res.body.subscriberCount, res.body.unsubscribedCount]
    }
    const before = (await api("GET", `/subscription-topics/${topic.publicId}`)).body.subscriberCount as number
    expect(before).toBeGreaterThanOrEqual(3)

    // Opting out writes an explicit row: G2's {subscription} with subscribed false, and G1's {success}.
    const out = await api("DELETE", `/subscription-topics/contacts/${ann}/subscriptions/${topic.publicId}`)
    expect(out.status).toBe(200)
    expect(out.body).toEqual({
      success: true,
      subscription: {
        id: expect.any(Number),
        topicId: topic.id,
        contactId: expect.any(Number),
        topicPublicId: topic.publicId,
        contactPublicId: ann,
        subscribed: false,
        subscribedAt: null,
        updatedAt: expect.any(String),
        topic: expect.objectContaining({ publicId: topic.publicId, name: "Weekly digest" })
      }
    })
    expect(await counts()).toEqual([before - 1, 1])

    const page = async (subscribed: string) => {
      const res = await api(
        "GET",
        `/subscription-topics/${topic.publicId}/subscribers?subscribed=${subscribed}&per_page=100`
      )
      expect(res.status).toBe(200)
      return res.body as { data: Array<Json>; meta: Json }
    }
    const inside = await page("true")
    expect(inside.data.map((s) => s.email)).toEqual(
      expect.arrayContaining(["bob@example.com", "cat@example.com"])
    )
    expect(inside.data.map((s) => s.email)).not.toContain("ann@example.com")
    expect(inside.data.find((s) => s.email === "bob@example.com")).toEqual({
      contactId: expect.any(Number),
      contactPublicId: bob,
      email: "bob@example.com",
      firstName: "bob",
      lastName: null,
      subscribedAt: expect.any(String)
    })
    expect(inside.meta).toEqual({ page: 1, perPage: 100, total: before - 1, totalPages: 1 })
    const outside = await page("false")
    expect(outside.data.map((s) => s.email)).toEqual(["ann@example.com"])
    // Default: subscribed, 50 a page.
    const defaults = await api("GET", `/subscription-topics/${topic.publicId}/subscribers`)
    expect((defaults.body.meta as Json).perPage).toBe(50)
    const small = await api("GET", `/subscription-topics/${topic.publicId}/subscribers?per_page=1&page=2`)
    expect((small.body.data as Array<Json>).length).toBe(1)
    expect((small.body.meta as Json).totalPages).toBe(before - 1)

    // A contact's subscriptions are its recorded choices, each with its topic.
    const annChoices = await api("GET", `/subscription-topics/contacts/${ann}/subscriptions`)
    expect(annChoices.body.subscriptions).toEqual([
      expect.objectContaining({ topicPublicId: topic.publicId, subscribed: false })
    ])
    expect((await api("GET", `/subscription-topics/contacts/${cat}/subscriptions`)).body).toEqual({
      subscriptions: []
    })

    // Opting back in: {subscription, ...subscription} for both SDK generations.
    const back = await api("POST", `/subscription-topics/contacts/${ann}/subscriptions`, {
      topic_id: topic.publicId
    })
    expect(back.status).toBe(200)
    const subscription = back.body.subscription as Json
    expect(subscription).toMatchObject({
      subscribed: true,
      contactPublicId: ann,
      subscribedAt: expect.any(String)
    })
    expect(back.body).toMatchObject({ ...subscription })
    expect(await counts()).toEqual([before, 0])
    // Subscribing twice is harmless: still one row per contact and topic.
    await api("POST", `/subscription-topics/contacts/${ann}/subscriptions`, { topic_id: topic.publicId })
    const rows = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM topic_subscriptions s JOIN subscription_topics t ON t.id = s.topic_id WHERE t.public_id = $1",
      [topic.publicId]
    )
    expect(rows[0]?.n).toBe(1)
  })

  it("tells webhooks: each choice writes contact.updated in the same transaction", async () => {
    const topic = await newTopic("Events")
    const dan = await newContact("dan@example.com")
    const count = async () =>
      (
        await query<{ n: number }>(
          db.url,
          "SELECT count(*)::int AS n FROM events WHERE type = 'contact.updated' AND payload->>'contact_id' = $1",
          [dan]
        )
      )[0]?.n
    expect(await count()).toBe(0)
    await api("DELETE", `/subscription-topics/contacts/${dan}/subscriptions/${topic.publicId}`)
    await api("POST", `/subscription-topics/contacts/${dan}/subscriptions`, { topic_id: topic.publicId })
    expect(await count()).toBe(2)
    // Each names the topic and the choice, so a consumer can tell what changed.
    const topicsTold = await query<{ topic: unknown }>(
      db.url,
      "SELECT payload->'topic' AS topic FROM events WHERE type = 'contact.updated' AND payload->>'contact_id' = $1 ORDER BY id",
      [dan]
    )
    expect(topicsTold.map((e) => e.topic)).toEqual([
      { topic_id: topic.publicId, name: "Events", subscribed: false },
      { topic_id: topic.publicId, name: "Events", subscribed: true }
    ])
    // Leaving one topic is not unsubscribing from everything.
    const unsubscribed = await query(
      db.url,
      "SELECT 1 FROM events WHERE type = 'contact.unsubscribed' AND payload->>'contact_id' = $1",
      [dan]
    )
    expect(unsubscribed).toEqual([])
  })

  it("counts as subscribers only contacts the topic's mail would reach: not unsubscribed, not suppressed", async () => {
    const topic = await newTopic("Reachable")
    const subscribers = async () =>
      (await api("GET", `/subscription-topics/${topic.publicId}`)).body.subscriberCount as number
    const before = await subscribers()
    const gone = await newContact("gone-everywhere@example.com")
    await newContact("bounced@example.com")
    await newContact("kept@example.com")
    expect(await subscribers()).toBe(before + 3)
    expect((await api("PATCH", `/contacts/${gone}`, { unsubscribed: true })).status).toBe(200)
    expect(await subscribers()).toBe(before + 2)
    expect(
      (await api("POST", "/suppressions", { email: "Bounced@Example.com", reason: "hard_bounce" })).status
    ).toBeLessThan(300)
    expect(await subscribers()).toBe(before + 1)
  })

  it("deleting a topic removes its choices and keeps the contacts", async () => {
    const topic = await newTopic("Short-lived")
    const eve = await newContact("eve@example.com")
    await api("DELETE", `/subscription-topics/contacts/${eve}/subscriptions/${topic.publicId}`)
    expect((await api("DELETE", `/subscription-topics/${topic.publicId}`)).status).toBe(200)
    expect((await api("GET", `/subscription-topics/contacts/${eve}/subscriptions`)).body).toEqual({
      subscriptions: []
    })
    expect((await api("GET", `/contacts/${eve}`)).status).toBe(200)
    const left = await query(
      db.url,
      "SELECT 1 FROM topic_subscriptions s JOIN contacts c ON c.id = s.contact_id WHERE c.public_id = $1",
      [eve]
    )
    expect(left).toEqual([])
  })

  it("never lets one team see or change another's topics or contacts: 404 everywhere", async () => {
    const mine = await newTopic("Mine")
    const myContact = await newContact("mine@example.com")
    const theirs = await newTopic("Theirs", asOther)
    const theirContact = await newContact("theirs@example.com", asOther)
    const before = await query(db.url, "SELECT * FROM topic_subscriptions ORDER BY id")
    const attempts: Array<[string, string, unknown?]> = [
      ["GET", `/subscription-topics/${mine.publicId}`],
      ["PATCH", `/subscription-topics/${mine.publicId}`, { name: "taken" }],
      ["DELETE", `/subscription-topics/${mine.publicId}`],
      ["GET", `/subscription-topics/${mine.publicId}/subscribers`],
      ["GET", `/subscription-topics/contacts/${myContact}/subscriptions`],
      ["POST", `/subscription-topics/contacts/${myContact}/subscriptions`, { topic_id: theirs.publicId }],
      ["POST", `/subscription-topics/contacts/${theirContact}/subscriptions`, { topic_id: mine.publicId }],
      ["DELETE", `/subscription-topics/contacts/${myContact}/subscriptions/${theirs.publicId}`],
      ["DELETE", `/subscription-topics/contacts/${theirContact}/subscriptions/${mine.publicId}`]
    ]
    for (const [method, path, body] of attempts) {
      const res = await asOther(method, path, body)
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 404, "not_found"])
    }
    expect((await asOther("GET", "/subscription-topics")).body.topics).toEqual([
      expect.objectContaining({ publicId: theirs.publicId })
    ])
    // The other team's subscribers are its own contacts only.
    const theirSubscribers = await asOther("GET", `/subscription-topics/${theirs.publicId}/subscribers`)
    expect((theirSubscribers.body.data as Array<Json>).map((s) => s.email)).toEqual(["theirs@example.com"])
    expect(await query(db.url, "SELECT * FROM topic_subscriptions ORDER BY id")).toEqual(before)
    expect((await api("GET", `/subscription-topics/${mine.publicId}`)).body.topic).toMatchObject({
      name: "Mine"
    })
  })
})
