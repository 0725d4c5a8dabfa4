import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BroadcastStage, startBroadcastStage } from "./stage.js"
import { launch, type Running } from "../apps/processes.js"
import { query } from "../support/database.js"
import { failure, type sdk } from "../support/sdkClient.js"

/** Long enough for the server's and the worker's cached entitlement to see a plan change. */
const PLAN_CACHE_MS = 2_500

const until = async (what: string, check: () => Promise<boolean>, worker: Running, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${worker.output()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The A/B draw, cancelling mid-send, and the plan's limits, against a worker delivering into a sink. */
describe("broadcast sending rules", () => {
  let stage: BroadcastStage
  let db: BroadcastStage["db"]
  let sink: BroadcastStage["sink"]
  let server: BroadcastStage["server"]
  let worker: Running
  let client: ReturnType<typeof sdk>
  let teamId: number
  let key: string

  // Holds each expansion batch a quarter of a second (a trigger in this test's own database), so a
  // cancel or a suspension lands while the expansion is under way.
  const holdExpansion = async () => {
    await query(
      db.url,
      `CREATE FUNCTION hold_expansion() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM pg_sleep(0.25); RETURN NULL; END $$`
    )
    await query(
      db.url,
      `CREATE TRIGGER hold_expansion AFTER INSERT ON broadcast_recipients
       FOR EACH STATEMENT EXECUTE FUNCTION hold_expansion()`
    )
  }
  const releaseExpansion = async () => {
    await query(db.url, "DROP TRIGGER hold_expansion ON broadcast_recipients")
    await query(db.url, "DROP FUNCTION hold_expansion()")
  }
  /** A manual segment of `size` new contacts at receiver.test, named after `tag`. */
  const segmentOf = async (tag: string, size: number) => {
    const segment = (await client.segments.create({ name: tag })).segment.publicId
    await query(
      db.url,
      `WITH new_contacts AS (
         INSERT INTO contacts (public_id, team_id, email)
         SELECT 'con_' || substr(md5($3 || n), 1, 24), $4, $3 || n || '@receiver.test'
         FROM generate_series(1, $2::int) AS n
         RETURNING id)
       INSERT INTO segment_members (segment_id, contact_id)
       SELECT (SELECT id FROM segments WHERE public_id = $1), id FROM new_contacts`,
      [segment, size, tag, teamId]
    )
    return segment
  }
  const broadcastRow = async (publicId: string) =>
    (
      await query<{
        id: number
        status: string
        phase: string
        due_at: Date | null
        lease_until: Date | null
      }>(db.url, "SELECT id, status, phase, due_at, lease_until FROM broadcasts WHERE public_id = $1", [
        publicId
      ])
    )[0]
  /** Live emails the team sent today, as the limits count them. */
  const usedToday = async () =>
    Number(
      (
        await query<{ n: string | null }>(
          db.url,
          `SELECT sum(count)::text AS n FROM usage_daily
           WHERE team_id = $1 AND metric = 'accepted' AND NOT test_mode AND day = (now() AT TIME ZONE 'UTC')::date`,
          [teamId]
        )
      )[0]?.n ?? 0
    )
  const setPlan = async (daily: number) => {
    await query(
      db.url,
      `INSERT INTO plans (id, name, monthly_limit, daily_limit, retention_days) VALUES ('small', 'Small', NULL, $1, 30)
       ON CONFLICT (id) DO UPDATE SET daily_limit = EXCLUDED.daily_limit`,
      [daily]
    )
    await query(
      db.url,
      `INSERT INTO team_billing (team_id, plan_id) VALUES ($1, 'small')
       ON CONFLICT (team_id) DO UPDATE SET plan_id = 'small'`,
      [teamId]
    )
    await new Promise((r) => setTimeout(r, PLAN_CACHE_MS))
  }

  beforeAll(async () => {
    stage = await startBroadcastStage("rules.test")
    ;({ db, sink, server, key, client } = stage)
    teamId =
      (await query<{ team_id: number }>(db.url, "SELECT team_id FROM api_keys LIMIT 1"))[0]?.team_id ?? 0
    worker = launch("apps/worker/src/main.ts", {
      ...stage.workerEnv,
      POSTSTACK_BROADCAST_BATCH: "25"
    })
    await worker.waitFor("worker started", 180_000)
  }, 300_000)
  afterAll(async () => {
    await worker?.stop("SIGTERM")
    await stage.close()
  })

  it("draws the A/B sample at random, keeps the draw, and splits it by weight", async () => {
    const segment = await segmentOf("draw", 200)
    const { broadcast } = await client.broadcasts.create({
      segment_id: segment,
      from: "news@rules.test",
      subject: "Drawn",
      text: "Which one?",
      ab_test: {
        variants: [
          { name: "A", subject: "A", text: "a", weight: 50 },
          { name: "B", subject: "B", text: "b", weight: 30 },
          { name: "C", subject: "C", text: "c", weight: 20 }
        ],
        test_sample_size: 40,
        test_duration_minutes: 600
      }
    })
    await client.broadcasts.send(broadcast.publicId)
    // Written in batches of 25 from the stored draw, then waiting for the window's end.
    await until(
      "the sample",
      async () => (await broadcastRow(broadcast.publicId))?.phase === "waiting",
      worker
    )
    const id = (await broadcastRow(broadcast.publicId))?.id
    const sample = await query<{ contact_id: number; variant: string }>(
      db.url,
      `SELECT r.contact_id, v.name AS variant FROM broadcast_recipients r
       JOIN broadcast_variants v ON v.id = r.variant_id WHERE r.broadcast_id = $1 ORDER BY r.contact_id`,
      [id]
    )
    expect(sample).toHaveLength(80)
    const audience = (
      await query<{ id: number }>(
        db.url,
        `SELECT c.id FROM contacts c JOIN segment_members m ON m.contact_id = c.id
         JOIN segments s ON s.id = m.segment_id WHERE s.public_id = $1 ORDER BY c.id`,
        [segment]
      )
    ).map((r) => r.id)
    // Not the first 80 by id: a uniform draw of 80 of 200 takes about 32 of the last 120 (never
    // fewer than 10 but with odds below one in a billion).
    const firstEighty = new Set(audience.slice(0, 80))
    expect(sample.filter((r) => !firstEighty.has(r.contact_id)).length).toBeGreaterThanOrEqual(10)
    // The split follows the weights (50/30/20 of 80), and no variant is a block of ids.
    const by = (name: string) => sample.filter((r) => r.variant === name).map((r) => r.contact_id)
    for (const [name, share] of [
      ["A", 0.5],
      ["B", 0.3],
      ["C", 0.2]
    ] as const)
      expect(Math.abs(by(name).length - 80 * share)).toBeLessThanOrEqual(1)
    expect(Math.min(...by("B"))).toBeLessThan(Math.max(...by("A")))
    expect(Math.min(...by("A"))).toBeLessThan(Math.max(...by("C")))
    // Every batch followed the draw kept at the start: recipients are exactly the drawn contacts.
    const drawn = await query<{ contact_id: number }>(
      db.url,
      "SELECT contact_id FROM broadcast_samples WHERE broadcast_id = $1 ORDER BY contact_id",
      [id]
    )
    expect(drawn.map((r) => r.contact_id)).toEqual(sample.map((r) => r.contact_id))
    await client.broadcasts.cancel(broadcast.publicId)
  }, 120_000)

  it("cancelled mid-send: no recipient whose delivery it cancelled gets the mail, and the counters agree", async () => {
    const segment = await segmentOf("slow", 300)
    const { broadcast } = await client.broadcasts.create({
      segment_id: segment,
      from: "news@rules.test",
      subject: "Stopped midway",
      text: "Some of you get this."
    })
    const ours = () => sink.received.filter((m) => m.raw.toString("utf8").includes("Subject: Stopped midway"))
    // A slow receiver, and an expansion held a quarter of a second per batch of 25 (a trigger in
    // this test's own database), so the cancel lands while both are under way.
    sink.dataDelayMs = 150
    await holdExpansion()
    try {
      await client.broadcasts.send(broadcast.publicId)
      await until("the first messages", async () => ours().length >= 10, worker)
      expect((await broadcastRow(broadcast.publicId))?.status).toBe("sending")
      await client.broadcasts.cancel(broadcast.publicId)
      const emailsAtCancel = await query<{ n: number }>(
        db.url,
        "SELECT count(*)::int AS n FROM emails e JOIN broadcasts b ON b.id = e.broadcast_id WHERE b.public_id = $1",
        [broadcast.publicId]
      )
      // What was handed to the MTA before the cancel finishes; nothing else is.
      await until(
        "the messages in flight",
        async () =>
          (
            await query<{ n: number }>(
              db.url,
              `SELECT count(*)::int AS n FROM deliveries d JOIN emails e ON e.id = d.email_id
               JOIN broadcasts b ON b.id = e.broadcast_id
               WHERE b.public_id = $1 AND d.status NOT IN ('delivered', 'cancelled', 'bounced', 'failed')`,
              [broadcast.publicId]
            )
          )[0]?.n === 0,
        worker
      )
      await new Promise((r) => setTimeout(r, 1_000))
      const states = await query<{ recipient: string; status: string }>(
        db.url,
        `SELECT d.recipient, d.status FROM deliveries d JOIN emails e ON e.id = d.email_id
         JOIN broadcasts b ON b.id = e.broadcast_id WHERE b.public_id = $1`,
        [broadcast.publicId]
      )
      const cancelled = states.filter((s) => s.status === "cancelled").map((s) => s.recipient)
      const delivered = states.filter((s) => s.status === "delivered").map((s) => s.recipient)
      expect(cancelled.length).toBeGreaterThan(0)
      expect(states.length).toBeLessThan(300)
      expect(delivered.length + cancelled.length).toBe(states.length)
      // The expansion stopped with the cancel: no email was written after it.
      expect(states.length).toBe(emailsAtCancel[0]?.n)
      const reached = ours().flatMap((m) => m.to)
      expect(reached.filter((to) => cancelled.includes(to))).toEqual([])
      expect([...reached].sort()).toEqual([...delivered].sort())
      const got = (await client.broadcasts.get(broadcast.publicId)).broadcast
      expect(got).toMatchObject({
        status: "cancelled",
        totalRecipients: states.length,
        deliveredCount: delivered.length,
        bouncedCount: 0
      })
    } finally {
      sink.dataDelayMs = 0
      await releaseExpansion()
    }
  }, 180_000)

  it("holds a send to the plan: refused with 429 when the audience does not fit, paused till the limit resets when it runs out", async () => {
    const segment = await segmentOf("quota", 6)
    // The other tests' mail counts too: the limits are set above what the team sent so far.
    const used = await usedToday()
    await setPlan(used + 5)
    try {
      const { broadcast } = await client.broadcasts.create({
        segment_id: segment,
        from: "news@rules.test",
        subject: "Too many",
        text: "Six readers, room for five."
      })
      const refused = await failure(client.broadcasts.send(broadcast.publicId))
      expect(refused).toMatchObject({ status: 429, code: "daily_limit_exceeded" })
      expect(refused.message).toMatch(/reaches 6 contacts/)
      expect(await broadcastRow(broadcast.publicId)).toMatchObject({ status: "draft" })

      // Room for ten today; a scheduled broadcast to six comes due after seven other sends.
      await setPlan(used + 10)
      const { broadcast: later } = await client.broadcasts.create({
        segment_id: segment,
        from: "news@rules.test",
        subject: "Partly",
        text: "Three of you today.",
        scheduled_at: new Date(Date.now() + 4_000).toISOString()
      })
      for (let i = 0; i < 7; i++) {
        const sent = await fetch(`${server.baseUrl}/emails`, {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            from: "shop@rules.test",
            to: `buyer${i}@receiver.test`,
            subject: "Receipt",
            text: "Thanks"
          })
        })
        expect(sent.status).toBe(202)
      }
      await until(
        "the broadcast to pause",
        async () => {
          const row = await broadcastRow(later.publicId)
          return row?.status === "sending" && row.lease_until === null && row.due_at !== null
        },
        worker
      )
      const row = await broadcastRow(later.publicId)
      const now = new Date()
      expect(row?.due_at?.toISOString()).toBe(
        new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString()
      )
      expect((await client.broadcasts.get(later.publicId)).broadcast.totalRecipients).toBe(3)
      expect(await usedToday()).toBe(used + 10)
      await client.broadcasts.cancel(later.publicId)
    } finally {
      await query(db.url, "UPDATE team_billing SET plan_id = 'unlimited' WHERE team_id = $1", [teamId])
      // The tests after this one send on the unlimited plan: the worker's cached entitlement too.
      await new Promise((r) => setTimeout(r, PLAN_CACHE_MS))
    }
  }, 120_000)

  /** Every delivery of a broadcast's mail by status, and the recipients of those delivered. */
  const deliveriesOf = async (publicId: string) =>
    query<{ recipient: string; status: string; next_attempt_at: Date }>(
      db.url,
      `SELECT d.recipient, d.status, d.next_attempt_at FROM deliveries d JOIN emails e ON e.id = d.email_id
       JOIN broadcasts b ON b.id = e.broadcast_id WHERE b.public_id = $1`,
      [publicId]
    )
  const copiesOf = (subject: string) => {
    const copies = new Map<string, number>()
    for (const m of sink.received)
      if (m.raw.toString("utf8").includes(`Subject: ${subject}`))
        for (const to of m.to) copies.set(to, (copies.get(to) ?? 0) + 1)
    return copies
  }

  it("cancelled once expanded (status sent) while mail still waits: what waits is stopped, nothing more arrives", async () => {
    const segment = await segmentOf("late", 80)
    const { broadcast } = await client.broadcasts.create({
      segment_id: segment,
      from: "news@rules.test",
      subject: "Expanded then stopped",
      text: "Some of you get this."
    })
    // A slow receiver: four batches of 25 are written at once, the mail drains slowly.
    sink.dataDelayMs = 400
    try {
      await client.broadcasts.send(broadcast.publicId)
      await until(
        "the expansion to finish",
        async () => (await broadcastRow(broadcast.publicId))?.status === "sent",
        worker
      )
      await until("the first messages", async () => copiesOf("Expanded then stopped").size >= 3, worker)
      const before = await deliveriesOf(broadcast.publicId)
      expect(before).toHaveLength(80)
      expect(before.filter((d) => d.status === "queued").length).toBeGreaterThan(0)

      const answer = await client.broadcasts.cancel(broadcast.publicId)
      expect(answer.success).toBe(true)
      expect((await broadcastRow(broadcast.publicId))?.status).toBe("cancelled")
      // The messages in flight at the cancel finish; nothing else moves.
      await until(
        "the messages in flight",
        async () =>
          (await deliveriesOf(broadcast.publicId)).every(
            (d) => d.status === "delivered" || d.status === "cancelled"
          ),
        worker
      )
      await new Promise((r) => setTimeout(r, 1_500))
      const after = await deliveriesOf(broadcast.publicId)
      const cancelled = after.filter((d) => d.status === "cancelled").map((d) => d.recipient)
      const delivered = after.filter((d) => d.status === "delivered").map((d) => d.recipient)
      expect(cancelled.length).toBeGreaterThan(0)
      expect(delivered.length + cancelled.length).toBe(80)
      const copies = copiesOf("Expanded then stopped")
      expect([...copies.keys()].sort()).toEqual([...delivered].sort())
      expect([...copies.values()].every((n) => n === 1)).toBe(true)
      expect((await client.broadcasts.get(broadcast.publicId)).broadcast).toMatchObject({
        status: "cancelled",
        totalRecipients: 80,
        deliveredCount: delivered.length
      })
      // Once cancelled, and for a sent broadcast with nothing left waiting, there is nothing to stop.
      expect(await failure(client.broadcasts.cancel(broadcast.publicId))).toMatchObject({ status: 422 })
    } finally {
      sink.dataDelayMs = 0
    }
  }, 120_000)

  it("stops a suspended team's broadcast mid-expansion: nothing more is queued, waiting mail is held, and it goes on once the team pays", async () => {
    const segment = await segmentOf("suspended", 300)
    const subject = "Held for payment"
    const { broadcast } = await client.broadcasts.create({
      segment_id: segment,
      from: "news@rules.test",
      subject,
      text: "Once each, eventually."
    })
    const emailsWritten = async () =>
      (
        await query<{ n: number }>(
          db.url,
          "SELECT count(*)::int AS n FROM emails e JOIN broadcasts b ON b.id = e.broadcast_id WHERE b.public_id = $1",
          [broadcast.publicId]
        )
      )[0]?.n ?? 0
    const heldRow = async () =>
      (
        await query<{ mail_held: boolean; status: string; due_at: Date | null; lease_until: Date | null }>(
          db.url,
          "SELECT mail_held, status, due_at, lease_until FROM broadcasts WHERE public_id = $1",
          [broadcast.publicId]
        )
      )[0]
    // A slow receiver and an expansion held a quarter of a second per batch of 25, so the
    // suspension lands while both are under way.
    sink.dataDelayMs = 150
    await holdExpansion()
    try {
      await client.broadcasts.send(broadcast.publicId)
      await until("the first messages", async () => copiesOf(subject).size >= 5, worker)
      // The payment failed and the grace period is over.
      await query(
        db.url,
        `INSERT INTO team_billing (team_id, status, grace_until) VALUES ($1, 'past_due', now() - interval '1 day')
         ON CONFLICT (team_id) DO UPDATE SET status = 'past_due', grace_until = now() - interval '1 day'`,
        [teamId]
      )
      await until("the hold", async () => (await heldRow())?.mail_held === true, worker)
      const held = await heldRow()
      expect(held?.status).toBe("sending")
      expect(held?.lease_until).toBeNull()
      // Looked at again later, not at once.
      expect(held?.due_at?.getTime() ?? 0).toBeGreaterThan(Date.now() + 60_000)
      const written = await emailsWritten()
      expect(written).toBeLessThan(300)
      // What was handed to the receiver finishes; the rest waits, held back from the claims.
      await until(
        "the messages in flight",
        async () => (await deliveriesOf(broadcast.publicId)).every((d) => d.status !== "sending"),
        worker
      )
      const arrived = copiesOf(subject).size
      await new Promise((r) => setTimeout(r, 3_000))
      expect(await emailsWritten()).toBe(written)
      expect(copiesOf(subject).size).toBe(arrived)
      const waiting = (await deliveriesOf(broadcast.publicId)).filter((d) => d.status !== "delivered")
      expect(waiting.length).toBeGreaterThan(0)
      expect(waiting.every((d) => d.status === "queued" && d.next_attempt_at.getUTCFullYear() >= 3000)).toBe(
        true
      )
      expect((await client.broadcasts.get(broadcast.publicId)).broadcast).toMatchObject({
        status: "sending",
        deliveredCount: arrived
      })

      // The team pays; when the broadcast is looked at again (brought forward here), it goes on
      // from where it stopped and its held mail goes out.
      await query(
        db.url,
        "UPDATE team_billing SET status = 'active', grace_until = NULL WHERE team_id = $1",
        [teamId]
      )
      await new Promise((r) => setTimeout(r, PLAN_CACHE_MS))
      await query(db.url, "UPDATE broadcasts SET due_at = now() WHERE public_id = $1", [broadcast.publicId])
      await until(
        "every recipient",
        async () => {
          const got = (await client.broadcasts.get(broadcast.publicId)).broadcast
          return got.status === "sent" && got.deliveredCount === 300
        },
        worker,
        120_000
      )
      expect((await heldRow())?.mail_held).toBe(false)
      const copies = copiesOf(subject)
      expect(copies.size).toBe(300)
      expect([...copies.values()].every((n) => n === 1)).toBe(true)
      // Sent, and every message handed over: nothing is left to cancel.
      expect(await failure(client.broadcasts.cancel(broadcast.publicId))).toMatchObject({ status: 422 })
    } finally {
      sink.dataDelayMs = 0
      await query(db.url, "UPDATE team_billing SET status = 'none', grace_until = NULL WHERE team_id = $1", [
        teamId
      ])
      await releaseExpansion()
    }
  }, 240_000)
})
