import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BroadcastStage, startBroadcastStage } from "./stage.js"
import { launch, type Running } from "../apps/processes.js"
import { query } from "../support/database.js"
import type { sdk } from "../support/sdkClient.js"

const AUDIENCE = 150

describe("a worker SIGKILLed in the middle of a broadcast's expansion and delivery", () => {
  let stage: BroadcastStage
  let db: BroadcastStage["db"]
  let sink: BroadcastStage["sink"]
  let client: ReturnType<typeof sdk>
  let segment: string
  const running: Array<Running> = []

  beforeAll(async () => {
    stage = await startBroadcastStage("bulk.test")
    ;({ db, sink, client } = stage)
    segment = (await client.segments.create({ name: "Everyone" })).segment.publicId
    // The audience is written straight into the tables: the import path is not what is tested here.
    await query(
      db.url,
      `WITH team AS (SELECT team_id FROM segments WHERE public_id = $1),
       new_contacts AS (
         INSERT INTO contacts (public_id, team_id, email)
         SELECT 'con_' || lpad(to_hex(n), 24, '0'), (SELECT team_id FROM team), 'reader' || n || '@receiver.test'
         FROM generate_series(1, $2::int) AS n
         RETURNING id)
       INSERT INTO segment_members (segment_id, contact_id)
       SELECT (SELECT id FROM segments WHERE public_id = $1), id FROM new_contacts`,
      [segment, AUDIENCE]
    )
  }, 120_000)
  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL")
    await stage.close()
  })

  it("resumes where the last commit left: every recipient gets the message, none is skipped, none is sent twice but those in DATA at the kill", async () => {
    const { broadcast } = await client.broadcasts.create({
      segment_id: segment,
      from: "news@bulk.test",
      subject: "Everyone once",
      text: "Exactly once, please."
    })
    const env = {
      ...stage.workerEnv,
      POSTSTACK_DELIVERY_LEASE_MS: "3000",
      POSTSTACK_BROADCAST_LEASE_MS: "3000",
      // Small batches, so the expansion is still going when the worker dies.
      POSTSTACK_BROADCAST_BATCH: "3"
    }
    const recipients = async () =>
      (await query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM broadcast_recipients"))[0]?.n ?? 0
    // A slow receiver: messages sit in DATA when the kill comes. Expansion batches cost about 2 ms
    // now, so a trigger in this test's own database holds each one a tenth of a second: the whole
    // expansion takes about five, and the kill lands in the middle of it.
    sink.dataDelayMs = 400
    await query(
      db.url,
      `CREATE OR REPLACE FUNCTION hold_crash_expansion() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM pg_sleep(0.1); RETURN NULL; END $$`
    )
    await query(
      db.url,
      `CREATE TRIGGER hold_crash_expansion AFTER INSERT ON broadcast_recipients
       FOR EACH STATEMENT EXECUTE FUNCTION hold_crash_expansion()`
    )
    const first = launch("apps/worker/src/main.ts", env)
    running.push(first)
    // Starting a worker takes long on a loaded machine: the send waits for it.
    await first.waitFor("worker started", 180_000)
    await client.broadcasts.send(broadcast.publicId)
    const deadline = Date.now() + 60_000
    while (sink.dataStarted() < 3 || (await recipients()) < 15) {
      if (Date.now() > deadline) throw new Error(`the worker never got going:\n${first.output()}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(await first.stop("SIGKILL")).toBeNull()
    const expandedAtKill = await recipients()
    const startedAtKill = sink.dataStarted()
    const [recorded] = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM deliveries WHERE status = 'delivered'"
    )
    // Handed to the receiver but not recorded as delivered: the dead worker never read, or never
    // wrote down, the receiver's reply.
    const unrecordedAtKill = startedAtKill - (recorded?.n ?? 0)
    // Killed in the middle of both: part of the audience expanded, messages between DATA and reply.
    expect(expandedAtKill).toBeLessThan(AUDIENCE)
    await new Promise((r) => setTimeout(r, sink.dataDelayMs + 100))
    sink.dataDelayMs = 0

    const second = launch("apps/worker/src/main.ts", env)
    running.push(second)
    await second.waitFor("worker started", 180_000)
    const until = Date.now() + 240_000
    for (;;) {
      const got = (await client.broadcasts.get(broadcast.publicId)).broadcast
      if (got.status === "sent" && got.deliveredCount === AUDIENCE) break
      if (Date.now() > until) {
        const states = await query(
          db.url,
          "SELECT status, attempts, next_attempt_at, lease_until, last_reply, count(*)::int AS n FROM deliveries GROUP BY 1, 2, 3, 4, 5 ORDER BY n DESC LIMIT 10"
        )
        throw new Error(`not all delivered: ${JSON.stringify(got)} ${JSON.stringify(states)}`)
      }
      await new Promise((r) => setTimeout(r, 200))
    }
    await second.stop("SIGTERM")

    expect(await recipients()).toBe(AUDIENCE)
    const [emails] = await query<{ n: number; distinct: number }>(
      db.url,
      "SELECT count(*)::int AS n, count(DISTINCT to_addresses[1])::int AS distinct FROM emails WHERE broadcast_id IS NOT NULL"
    )
    expect(emails).toEqual({ n: AUDIENCE, distinct: AUDIENCE })
    const copies = new Map<string, number>()
    for (const m of sink.received) for (const to of m.to) copies.set(to, (copies.get(to) ?? 0) + 1)
    expect(copies.size).toBe(AUDIENCE)
    const twice = [...copies.values()].filter((n) => n > 1)
    expect(twice.every((n) => n === 2)).toBe(true)
    // A message whose reply the dead worker never read or recorded is sent again (at-least-once at
    // the SMTP boundary); nothing else is.
    expect(twice.length).toBeLessThanOrEqual(unrecordedAtKill)
  }, 540_000)
})
