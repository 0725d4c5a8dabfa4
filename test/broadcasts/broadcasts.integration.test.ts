import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BroadcastStage, startBroadcastStage } from "./stage.js"
import { launch, type Running } from "../apps/processes.js"
import { insertTeamWithKey, query } from "../support/database.js"
import { failure, sdk } from "../support/sdkClient.js"

const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000, worker?: Running) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${worker?.output() ?? ""}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe("broadcasts over HTTP, PostgreSQL and a worker delivering into a sink", () => {
  let stage: BroadcastStage
  let db: BroadcastStage["db"]
  let sink: BroadcastStage["sink"]
  let server: BroadcastStage["server"]
  let worker: Running
  let client: ReturnType<typeof sdk>
  let other: ReturnType<typeof sdk>
  let segment: string
  let topic: string
  const addresses = ["ann", "bob", "cat", "dan", "eve", "fay"].map((n) => `${n}@receiver.test`)
  const contactIds: Record<string, string> = {}

  beforeAll(async () => {
    stage = await startBroadcastStage("news.test")
    ;({ db, sink, server, client } = stage)
    const { key } = stage
    other = sdk(await insertTeamWithKey(db.url, "other team"), { baseUrl: server.baseUrl })
    for (const email of addresses)
      contactIds[email] = (
        await client.contacts.create({ email, first_name: email.slice(0, 3) })
      ).contact.publicId
    segment = (await client.segments.create({ name: "Everyone" })).segment.publicId
    await client.segments.addContacts(segment, Object.values(contactIds))
    topic = (
      (await (
        await fetch(`${server.baseUrl}/subscription-topics`, {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
          body: JSON.stringify({ name: "News" })
        })
      ).json()) as { topic: { publicId: string } }
    ).topic.publicId
    // Eve left the topic, Fay unsubscribed from everything, Dan is on the suppression list.
    await fetch(
      `${server.baseUrl}/subscription-topics/contacts/${contactIds["eve@receiver.test"]}/subscriptions/${topic}`,
      {
        method: "DELETE",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }
      }
    )
    await client.contacts.unsubscribe(contactIds["fay@receiver.test"] ?? "")
    await client.suppressions.add({ email: "DAN@receiver.test", reason: "manual" })
    worker = launch("apps/worker/src/main.ts", {
      ...stage.workerEnv
    })
    // Starting a worker takes long on a loaded machine; the tests time what it does, not its start.
    await worker.waitFor("worker started", 180_000)
  }, 300_000)
  afterAll(async () => {
    await worker?.stop("SIGTERM")
    await stage.close()
  })

  const base = () => ({
    segment_id: segment,
    from: "News <news@news.test>",
    subject: "Our news",
    html: "<p>Hello there</p>",
    text: "Hello there"
  })
  const broadcastEmails = async () =>
    (
      await query<{ n: number }>(
        db.url,
        "SELECT count(*)::int AS n FROM emails WHERE broadcast_id IS NOT NULL"
      )
    )[0]?.n

  it("refuses bad input with a clear 4xx and writes nothing", async () => {
    const otherSegment = (await other.segments.create({ name: "Theirs" })).segment.publicId
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ ...base(), segment_id: "seg_000000000000000000000000" }, 422, /segment_id/],
      [{ ...base(), segment_id: otherSegment }, 422, /segment_id/],
      [{ ...base(), segment_id: "not-an-id" }, 422, /segment_id/],
      [{ ...base(), topic_id: "top_000000000000000000000000" }, 422, /topic_id/],
      [{ ...base(), from: "news@unverified.test" }, 422, /not verified/i],
      [{ ...base(), html: "<p>{{ broken </p>" }, 422, /invalid/],
      [{ ...base(), subject: "{% if %}" }, 422, /invalid/],
      [
        {
          ...base(),
          ab_test: {
            variants: [
              { name: "A", subject: "A", html: "<p>A</p>", weight: 50 },
              { name: "B", subject: "B", html: "<p>B</p>", weight: 40 }
            ]
          }
        },
        422,
        /sum to 100/
      ],
      [
        { ...base(), ab_test: { variants: [{ name: "A", subject: "A", html: "a", weight: 100 }] } },
        422,
        /between 2 and 5/
      ],
      [
        {
          ...base(),
          ab_test: {
            variants: [
              { name: "A", subject: "A", html: "a", weight: 50 },
              { name: "B", subject: "B", html: "b", weight: 50 }
            ],
            test_sample_size: 60
          }
        },
        422,
        /test_sample_size/
      ],
      [{ ...base(), from: undefined }, 400, /from/],
      [{ ...base(), html: 42 }, 400, /html/]
    ]
    for (const [body, status, message] of cases) {
      const f = await failure(client.broadcasts.create(body))
      expect({ status: f.status, body }).toEqual({ status, body })
      expect(f.message).toMatch(message)
      expect(f.code).toBe(status === 400 ? "invalid_request" : "unprocessable_entity")
    }
    expect((await client.broadcasts.list()).meta.total).toBe(0)
    expect(await broadcastEmails()).toBe(0)
  })

  it("creates, lists, reads and edits drafts; a non-draft cannot be edited or sent again", async () => {
    const { broadcast } = await client.broadcasts.create({ ...base(), name: "Internal", topic_id: topic })
    expect(broadcast).toMatchObject({
      publicId: expect.stringMatching(/^brd_[0-9a-f]{24}$/),
      name: "Internal",
      subject: "Our news",
      status: "draft",
      segmentPublicId: segment,
      topicPublicId: topic,
      totalRecipients: 0,
      deliveredCount: 0,
      openedCount: 0,
      clickedCount: 0,
      bouncedCount: 0,
      sentAt: null,
      scheduledAt: null
    })
    const later = new Date(Date.now() + 86_400_000).toISOString()
    const scheduled = (
      await client.broadcasts.create({ ...base(), subject: "Tomorrow", scheduled_at: later })
    ).broadcast
    expect(scheduled).toMatchObject({ status: "queued", scheduledAt: later })
    expect((await client.broadcasts.list({ search: "tomor" })).data.map((b) => b.publicId)).toEqual([
      scheduled.publicId
    ])
    expect((await client.broadcasts.list({ status: "draft" })).data.map((b) => b.publicId)).toEqual([
      broadcast.publicId
    ])
    expect((await client.broadcasts.get(broadcast.publicId)).broadcast).toEqual(broadcast)
    const edited = (await client.broadcasts.update(broadcast.publicId, { subject: "Edited", topic_id: null }))
      .broadcast
    expect(edited).toMatchObject({ subject: "Edited", topicPublicId: null, name: "Internal" })
    expect(await failure(client.broadcasts.update(scheduled.publicId, { subject: "No" }))).toEqual({
      status: 422,
      code: "unprocessable_entity",
      message: "Cannot update a broadcast that is queued"
    })
    expect((await failure(client.broadcasts.send(scheduled.publicId))).status).toBe(422)
    expect(await failure(client.broadcasts.get("brd_000000000000000000000000"))).toMatchObject({
      status: 404,
      code: "not_found"
    })
    // Another team sees none of it.
    expect((await failure(other.broadcasts.get(broadcast.publicId))).status).toBe(404)
    expect((await failure(other.broadcasts.send(broadcast.publicId))).status).toBe(404)
    expect((await other.broadcasts.list()).meta.total).toBe(0)
    expect((await client.broadcasts.cancel(scheduled.publicId)).success).toBe(true)
    expect((await client.broadcasts.get(scheduled.publicId)).broadcast.status).toBe("cancelled")
    expect((await failure(client.broadcasts.cancel(scheduled.publicId))).status).toBe(422)
    expect(await broadcastEmails()).toBe(0)
  })

  it("sends one message per reachable contact, skipping unsubscribed, opted-out and suppressed ones, with exact counters", async () => {
    const { broadcast } = await client.broadcasts.create({
      ...base(),
      subject: "Topic mail",
      topic_id: topic
    })
    expect(await client.broadcasts.send(broadcast.publicId)).toMatchObject({ success: true })
    expect((await failure(client.broadcasts.send(broadcast.publicId))).status).toBe(422)
    const expected = ["ann@receiver.test", "bob@receiver.test", "cat@receiver.test"]
    await until(
      "delivery of the broadcast",
      async () => (await client.broadcasts.get(broadcast.publicId)).broadcast.deliveredCount === 3,
      60_000,
      worker
    )
    const got = (await client.broadcasts.get(broadcast.publicId)).broadcast
    expect(got).toMatchObject({ status: "sent", totalRecipients: 3, deliveredCount: 3, bouncedCount: 0 })
    const mine = sink.received.filter((m) => m.raw.toString().includes("Subject: Topic mail"))
    expect(mine.flatMap((m) => m.to).sort()).toEqual(expected)
    for (const m of mine) {
      const raw = m.raw.toString()
      expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m)
      expect(raw).toMatch(/^DKIM-Signature:/m)
    }
    const rows = await query<{ bulk: boolean; topic_id: number | null; dbulk: boolean; test_mode: boolean }>(
      db.url,
      `SELECT e.bulk, e.topic_id, d.bulk AS dbulk, d.test_mode FROM emails e JOIN deliveries d ON d.email_id = e.id
       WHERE e.broadcast_id = (SELECT id FROM broadcasts WHERE public_id = $1)`,
      [broadcast.publicId]
    )
    expect(rows).toHaveLength(3)
    for (const r of rows)
      expect(r).toMatchObject({ bulk: true, dbulk: true, test_mode: false, topic_id: expect.any(Number) })

    // An open by Ann, a click by Bob: the counters and the non-openers follow the events.
    const emailOf = async (to: string) =>
      (
        await query<{ id: string }>(
          db.url,
          `SELECT id::text FROM emails WHERE broadcast_id = (SELECT id FROM broadcasts WHERE public_id = $1) AND to_addresses[1] = $2`,
          [broadcast.publicId, to]
        )
      )[0]?.id
    await query(
      db.url,
      "INSERT INTO email_events (email_id, event_type) VALUES ($1, 'opened'), ($2, 'opened'), ($2, 'clicked')",
      [await emailOf("ann@receiver.test"), await emailOf("bob@receiver.test")]
    )
    expect((await client.broadcasts.get(broadcast.publicId)).broadcast).toMatchObject({
      openedCount: 2,
      clickedCount: 1
    })
    const nonOpeners = await client.broadcasts.nonOpeners(broadcast.publicId)
    expect(nonOpeners).toMatchObject({
      broadcast: { id: broadcast.publicId, subject: "Topic mail" },
      count: 1
    })
    expect(nonOpeners.contacts.map((c) => c.email)).toEqual(["cat@receiver.test"])
    expect((await client.broadcasts.nonClickers(broadcast.publicId, { limit: 1 })).count).toBe(2)
    const perf = await client.broadcasts.performance(broadcast.publicId)
    expect(perf.broadcast).toMatchObject({
      id: broadcast.publicId,
      total_recipients: 3,
      delivered: 3,
      opened: 2,
      clicked: 1,
      open_rate: 2 / 3,
      in_progress: false
    })
    expect(perf.variants).toBeNull()
    expect((await client.broadcasts.listPerformance()).broadcasts.map((b) => b.id)).toContain(
      broadcast.publicId
    )
    const segBroadcasts = await client.segments.broadcasts(segment)
    expect(segBroadcasts.broadcasts).toContainEqual(
      expect.objectContaining({ publicId: broadcast.publicId, status: "sent" })
    )
    expect(await failure(client.broadcasts.getVariantStats(broadcast.publicId))).toMatchObject({
      status: 422
    })

    // Resend to the non-openers: a new draft over a snapshot segment of exactly them.
    const resent = await client.broadcasts.resend(broadcast.publicId)
    expect(resent).toMatchObject({
      broadcast: { subject: "Re: Topic mail", status: "draft" },
      recipientCount: 1
    })
    const members = await client.segments.members(resent.segment.id)
    expect(members.data.map((c) => c.email)).toEqual(["cat@receiver.test"])
  }, 90_000)

  it("renders each recipient's own contact fields when the content reads them", async () => {
    const { broadcast } = await client.broadcasts.create({
      ...base(),
      subject: "For {{ contact.first_name }}",
      html: "<p>Hello {{ contact.first_name }} &lt;{{ contact.email }}&gt;</p>",
      text: "Hello {{ contact.first_name | upcase }}"
    })
    await client.broadcasts.send(broadcast.publicId)
    await until(
      "the personal mail",
      async () => (await client.broadcasts.get(broadcast.publicId)).broadcast.deliveredCount === 4,
      60_000,
      worker
    )
    const mine = sink.received.filter((m) => m.raw.toString().includes("Subject: For "))
    const subjects = mine.map((m) => /^Subject: (.*)$/m.exec(m.raw.toString())?.[1]).sort()
    expect(subjects).toEqual(["For ann", "For bob", "For cat", "For eve"])
    const bob = mine.find((m) => m.to.includes("bob@receiver.test"))?.raw.toString() ?? ""
    expect(bob).toContain("Hello BOB")
    expect(bob).toContain("bob@receiver.test")
  }, 90_000)

  it("simulates a broadcast sent with a test-mode key: delivered on record, nothing at the sink", async () => {
    const { key } = await client.apiKeys.create({
      name: "test mode",
      permission: "full_access",
      mode: "test",
      allow_full_access: true
    })
    const testClient = sdk(key ?? "", { baseUrl: server.baseUrl })
    const { broadcast } = await testClient.broadcasts.create({ ...base(), subject: "Simulated news" })
    await testClient.broadcasts.send(broadcast.publicId)
    await until(
      "the simulated broadcast",
      async () => (await testClient.broadcasts.get(broadcast.publicId)).broadcast.deliveredCount === 4,
      60_000,
      worker
    )
    expect(sink.received.filter((m) => m.raw.toString().includes("Simulated news"))).toHaveLength(0)
    const rows = await query<{ bulk: boolean; test_mode: boolean; status: string; mx_host: string }>(
      db.url,
      `SELECT d.bulk, d.test_mode, d.status, d.mx_host FROM emails e JOIN deliveries d ON d.email_id = e.id
       WHERE e.broadcast_id = (SELECT id FROM broadcasts WHERE public_id = $1)`,
      [broadcast.publicId]
    )
    expect(rows).toHaveLength(4)
    for (const r of rows)
      expect(r).toEqual({
        bulk: true,
        test_mode: true,
        status: "delivered",
        mx_host: "simulator.poststack.dev"
      })
  }, 90_000)

  it("sends a test to one address without touching the broadcast", async () => {
    const { broadcast } = await client.broadcasts.create({ ...base(), subject: "Try me" })
    expect((await client.broadcasts.sendTest(broadcast.publicId, "proof@receiver.test")).success).toBe(true)
    await until(
      "the test message",
      async () => sink.received.some((m) => m.to.includes("proof@receiver.test")),
      30_000,
      worker
    )
    expect(sink.received.find((m) => m.to.includes("proof@receiver.test"))?.raw.toString()).toContain(
      "Subject: [Test] Try me"
    )
    expect((await client.broadcasts.get(broadcast.publicId)).broadcast).toMatchObject({
      status: "draft",
      totalRecipients: 0
    })
  }, 60_000)

  it("fills a test's contact fields as the send does: the address's contact, or the template's defaults", async () => {
    const { broadcast } = await client.broadcasts.create({
      ...base(),
      subject: "{{ contact.first_name | default: 'friend' }}, try this",
      html: "<p>Hi {{ contact.first_name | default: 'friend' }} at {{ contact.email }}</p>",
      text: "Hi {{ contact.first_name | default: 'friend' }}"
    })
    await client.broadcasts.sendTest(broadcast.publicId, "ann@receiver.test")
    await client.broadcasts.sendTest(broadcast.publicId, "stranger@receiver.test")
    // Earlier tests mailed ann too: the test is the one whose subject says so.
    const test = (to: string) =>
      sink.received.find((m) => m.to.includes(to) && m.raw.toString().includes("Subject: [Test]"))
    const raw = async (to: string) => {
      await until(`the test to ${to}`, async () => test(to) !== undefined, 30_000, worker)
      return test(to)?.raw.toString() ?? ""
    }
    const ann = await raw("ann@receiver.test")
    expect(ann).toContain("Subject: [Test] ann, try this")
    expect(ann).toContain("<p>Hi ann at ann@receiver.test</p>")
    const stranger = await raw("stranger@receiver.test")
    expect(stranger).toContain("Subject: [Test] friend, try this")
    expect(stranger).toContain("<p>Hi friend at stranger@receiver.test</p>")
    expect(stranger).not.toContain("{{")
  }, 60_000)

  it("runs an A/B test to its winner: the sample split by weight, the winner to the rest, end-ab-test deciding now", async () => {
    const { broadcast } = await client.broadcasts.create({
      ...base(),
      segment_id: segment,
      ab_test: {
        variants: [
          { name: "A", subject: "Variant A", html: "<p>A</p>", weight: 50 },
          { name: "B", subject: "Variant B", html: "<p>B</p>", weight: 50 }
        ],
        test_sample_size: 50,
        test_duration_minutes: 30
      }
    })
    const variants = await client.broadcasts.getVariants(broadcast.publicId)
    expect(variants.map((v) => [v.name, v.weight])).toEqual([
      ["A", 50],
      ["B", 50]
    ])
    await client.broadcasts.send(broadcast.publicId)
    const id = (
      await query<{ id: number }>(db.url, "SELECT id FROM broadcasts WHERE public_id = $1", [
        broadcast.publicId
      ])
    )[0]?.id
    // Four reachable contacts (no topic: Eve is in; Fay unsubscribed and Dan suppressed are not): a 50 % sample is 2.
    await until(
      "the sample",
      async () =>
        (await query<{ phase: string }>(db.url, "SELECT phase FROM broadcasts WHERE id = $1", [id]))[0]
          ?.phase === "waiting",
      60_000,
      worker
    )
    const stats = await client.broadcasts.getVariantStats(broadcast.publicId)
    expect(stats.winnerVariantId).toBeNull()
    expect(stats.variants.map((v) => v.recipientCount)).toEqual([1, 1])
    // B's reader opens; the window is half an hour, end-ab-test decides now.
    const bEmail = (
      await query<{ id: string }>(
        db.url,
        "SELECT e.id::text FROM emails e JOIN broadcast_variants v ON v.id = e.broadcast_variant_id WHERE e.broadcast_id = $1 AND v.name = 'B'",
        [id]
      )
    )[0]?.id
    await until(
      "the sample's delivery",
      async () =>
        (
          await query<{ n: number }>(
            db.url,
            "SELECT count(*)::int AS n FROM emails WHERE broadcast_id = $1 AND status = 'delivered'",
            [id]
          )
        )[0]?.n === 2,
      60_000,
      worker
    )
    await query(db.url, "INSERT INTO email_events (email_id, event_type) VALUES ($1, 'opened')", [bEmail])
    expect((await client.broadcasts.endAbTest(broadcast.publicId)).success).toBe(true)
    expect((await failure(client.broadcasts.endAbTest(broadcast.publicId))).status).toBe(422)
    await until(
      "the rest",
      async () => (await client.broadcasts.get(broadcast.publicId)).broadcast.status === "sent",
      60_000,
      worker
    )
    const final = await client.broadcasts.getVariantStats(broadcast.publicId)
    const winner = variants.find((v) => v.name === "B")?.id
    expect(final.winnerVariantId).toBe(winner)
    expect(final.variants.map((v) => v.recipientCount)).toEqual([1, 3])
    expect((await client.broadcasts.get(broadcast.publicId)).broadcast.totalRecipients).toBe(4)
    const subjects = await query<{ subject: string; n: number }>(
      db.url,
      "SELECT subject, count(*)::int AS n FROM emails WHERE broadcast_id = $1 GROUP BY subject ORDER BY subject",
      [id]
    )
    expect(subjects).toEqual([
      { subject: "Variant A", n: 1 },
      { subject: "Variant B", n: 3 }
    ])
  }, 120_000)

  it("decides an A/B test by itself when the due time stored in its row comes", async () => {
    const { broadcast } = await client.broadcasts.create({
      ...base(),
      ab_test: {
        variants: [
          { name: "A", subject: "Timer A", html: "<p>A</p>", weight: 50 },
          { name: "B", subject: "Timer B", html: "<p>B</p>", weight: 50 }
        ],
        test_sample_size: 50,
        test_duration_minutes: 30,
        winner_metric: "click_rate"
      }
    })
    await client.broadcasts.send(broadcast.publicId)
    const id = (
      await query<{ id: number }>(db.url, "SELECT id FROM broadcasts WHERE public_id = $1", [
        broadcast.publicId
      ])
    )[0]?.id
    await until(
      "the sample",
      async () =>
        (await query<{ phase: string }>(db.url, "SELECT phase FROM broadcasts WHERE id = $1", [id]))[0]
          ?.phase === "waiting",
      60_000,
      worker
    )
    const [due] = await query<{ late: boolean }>(
      db.url,
      "SELECT due_at > now() + interval '29 minutes' AS late FROM broadcasts WHERE id = $1",
      [id]
    )
    expect(due?.late).toBe(true)
    const aEmail = (
      await query<{ id: string }>(
        db.url,
        "SELECT e.id::text FROM emails e JOIN broadcast_variants v ON v.id = e.broadcast_variant_id WHERE e.broadcast_id = $1 AND v.name = 'A'",
        [id]
      )
    )[0]?.id
    await query(db.url, "INSERT INTO email_events (email_id, event_type) VALUES ($1, 'clicked')", [aEmail])
    // The window passes: its start moves back 31 minutes (as a clock would), and it is due now.
    await query(
      db.url,
      "UPDATE broadcasts SET sent_at = sent_at - interval '31 minutes', due_at = now() WHERE id = $1",
      [id]
    )
    await until(
      "the winner",
      async () => (await client.broadcasts.get(broadcast.publicId)).broadcast.status === "sent",
      60_000,
      worker
    )
    const stats = await client.broadcasts.getVariantStats(broadcast.publicId)
    expect(stats.variants.map((v) => [v.name, v.recipientCount])).toEqual([
      ["A", 3],
      ["B", 1]
    ])
    expect(stats).toMatchObject({ winner: { metric: "click_rate" } })
  }, 120_000)
})
