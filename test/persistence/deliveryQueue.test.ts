import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { DeliveryQueue, EmailRepository, type NewEmail } from "@poststack/application"
import {
  canCancel,
  canReschedule,
  DEFAULT_RETRY_POLICY,
  type DomainId,
  settleDelivery,
  type TeamId
} from "@poststack/domain"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"
import { newEmail } from "../support/newEmail.js"

type Ports = DeliveryQueue | EmailRepository

// The lease and scheduling cases were found by deliveryStateMachine.property.test.ts (each is its
// shrunk counterexample); the batch cases check group commit (GroupCommit.ts).
describe("accepting emails and settling their deliveries, one call for many", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let runtime: ManagedRuntime.ManagedRuntime<Ports, unknown>
  let teamId: TeamId
  let domainId: DomainId
  const run = <A, E>(effect: Effect.Effect<A, E, Ports>) => runtime.runPromise(effect)
  const sender = () => ({ teamId, domainId, domainName: "queue.test" })

  beforeAll(async () => {
    db = await createTestDatabase()
    runtime = ManagedRuntime.make(
      PgPersistence.pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 })))
    )
    await runtime.runPromise(Effect.void)
    const [team] = await query<{ id: number }>(
      db.url,
      "INSERT INTO teams (name) VALUES ('queue') RETURNING id"
    )
    const [domain] = await query<{ id: number }>(
      db.url,
      "INSERT INTO domains (team_id, public_id, name) VALUES ($1, 'dom_queue', 'queue.test') RETURNING id",
      [team?.id]
    )
    teamId = team?.id as TeamId
    domainId = domain?.id as DomainId
  })
  afterAll(async () => {
    await runtime.dispose()
    await db.drop()
  })

  const send = async (to: ReadonlyArray<string>, scheduledAt: Date | null) => {
    await query(db.url, "DELETE FROM emails")
    const accepted = await run(
      Effect.flatMap(EmailRepository, (repo) => repo.accept(newEmail(sender(), to, { scheduledAt })))
    )
    return accepted.publicId
  }
  const claim = (now: Date, limit: number, leaseMs: number) =>
    run(Effect.flatMap(DeliveryQueue, (q) => q.claim({ now, limit, leaseMs, testMode: false })))
  const delivered = { _tag: "Delivered", reply: "250 ok", mx: "mx.test" } as const
  const rows = () =>
    query<{ status: string; attempts: number }>(db.url, "SELECT status, attempts FROM deliveries ORDER BY id")
  const emailStatus = async () =>
    (await query<{ status: string }>(db.url, "SELECT status FROM emails"))[0]?.status

  it("ignores the record of a worker whose lease ran out and another worker took over", async () => {
    await send(["ann@rcpt.test"], null)
    const now = Date.now() + 60_000
    const [stale] = await claim(new Date(now), 1, 1_000)
    const [current] = await claim(new Date(now + 1_500), 1, 30_000)
    if (stale === undefined || current === undefined) throw new Error("nothing claimed")
    expect(current.id).toBe(stale.id)

    // The first worker wakes up and says its destination was busy: this must not free the
    // delivery for a third worker while the second one is sending it.
    const busy = { _tag: "Busy", reply: "451 busy", mx: null } as const
    await run(
      Effect.flatMap(DeliveryQueue, (q) =>
        q.record(stale, settleDelivery(stale, busy, new Date(now + 1_600), DEFAULT_RETRY_POLICY))
      )
    )
    expect(await rows()).toEqual([{ status: "sending", attempts: 2 }])
    expect(await claim(new Date(now + 20_000), 10, 30_000)).toEqual([])

    await run(
      Effect.flatMap(DeliveryQueue, (q) =>
        q.record(current, settleDelivery(current, delivered, new Date(now + 2_000), DEFAULT_RETRY_POLICY))
      )
    )
    expect(await rows()).toEqual([{ status: "delivered", attempts: 2 }])
    expect(await emailStatus()).toBe("delivered")
  })

  it("records a remote server's reply with NUL or broken text, made storable, in the same call as the rest", async () => {
    await send(["nul@rcpt.test", "fine@rcpt.test"], null)
    const now = Date.now() + 60_000
    // In delivery order, as the rows are read below (a claim may list them in any order).
    const claims = [...(await claim(new Date(now), 10, 30_000))].sort((a, b) =>
      BigInt(String(a.id)) < BigInt(String(b.id)) ? -1 : 1
    )
    expect(claims).toHaveLength(2)
    const replies = ["250 ok\u0000 queued \ud800", "250 ok"]
    await run(
      Effect.forEach(
        claims,
        (c, i) =>
          Effect.flatMap(DeliveryQueue, (q) =>
            q.record(
              c,
              settleDelivery(
                c,
                { _tag: "Delivered", reply: replies[i] ?? "", mx: "mx.test" },
                new Date(now + 1_000),
                DEFAULT_RETRY_POLICY
              )
            )
          ),
        { concurrency: "unbounded" }
      )
    )
    const stored = await query<{ status: string; last_reply: string }>(
      db.url,
      "SELECT status, last_reply FROM deliveries ORDER BY id"
    )
    expect(stored).toEqual([
      { status: "delivered", last_reply: "250 ok queued \ufffd" },
      { status: "delivered", last_reply: "250 ok" }
    ])
  })

  it("settles outcomes recorded at the same moment together, and one the database refuses holds back no other", async () => {
    const recipients = Array.from({ length: 40 }, (_, i) => `r${i}@rcpt.test`)
    await send(recipients, null)
    await query(db.url, "DELETE FROM events")
    const now = Date.now() + 60_000
    const claims = await claim(new Date(now), 40, 30_000)
    expect(claims).toHaveLength(40)
    const bounced = { _tag: "Bounced", reply: "550 no such user", mx: "mx.test", hard: true } as const
    const outcomes = await run(
      Effect.forEach(
        claims,
        (c, i) =>
          Effect.flatMap(DeliveryQueue, (q) => {
            const result = settleDelivery(
              c,
              i % 4 === 0 ? bounced : delivered,
              new Date(now + 100),
              DEFAULT_RETRY_POLICY
            )
            // A status the table does not allow: this one record fails in the database.
            const refused = { ...result, status: "lost" as unknown as typeof result.status }
            return Effect.either(q.record(c, i === 7 ? refused : result))
          }),
        { concurrency: "unbounded" }
      )
    )
    expect(outcomes.filter((o) => o._tag === "Left")).toHaveLength(1)
    expect(outcomes[7]?._tag).toBe("Left")
    const statuses = await query<{ recipient: string; status: string }>(
      db.url,
      "SELECT recipient, status FROM deliveries ORDER BY id"
    )
    expect(statuses.filter((d) => d.status === "sending").map((d) => d.recipient)).toEqual([
      claims[7]?.recipient
    ])
    expect(statuses.filter((d) => d.status === "bounced")).toHaveLength(10)
    expect(statuses.filter((d) => d.status === "delivered")).toHaveLength(29)
    const [counts] = await query<{ events: number; outbox: number; suppressed: number }>(
      db.url,
      `SELECT (SELECT count(*)::int FROM email_events WHERE delivery_id IS NOT NULL) AS events,
              (SELECT count(*)::int FROM events WHERE type IN ('email.sent', 'email.delivered', 'email.bounced')) AS outbox,
              (SELECT count(*)::int FROM suppressions) AS suppressed`
    )
    expect(counts).toEqual({ events: 29 * 2 + 10, outbox: 29 * 2 + 10, suppressed: 10 })
    // One copy is still in a worker's hands, so the email is still on its way.
    expect(await emailStatus()).toBe("sending")
    await query(db.url, "DELETE FROM suppressions")
  })

  it("accepts emails arriving together in one go: one email per idempotency key, and a refused one holds back no other", async () => {
    await query(db.url, "DELETE FROM emails")
    const email = (i: number, key: string | null, domain: DomainId = domainId): NewEmail =>
      newEmail({ ...sender(), domainId: domain }, [`r${i}@rcpt.test`], {
        subject: `hi ${i}`,
        attachments: [
          { filename: `f${i}.txt`, contentType: null, contentId: null, content: new Uint8Array([i, 0, 255]) }
        ],
        idempotencyKey: key,
        requestHash: key === null ? "h" : `hash-${key}`,
        system: false
      })
    const emails = Array.from({ length: 30 }, (_, i) =>
      // Every third email shares one key; one names a domain that does not exist.
      i === 13 ? email(i, null, 999_999 as DomainId) : email(i, i % 3 === 0 ? "same-key" : null)
    )
    const results = await run(
      Effect.forEach(
        emails,
        (e) => Effect.either(Effect.flatMap(EmailRepository, (repo) => repo.accept(e))),
        {
          concurrency: "unbounded"
        }
      )
    )
    expect(results.filter((r) => r._tag === "Left").length).toBe(1)
    expect(results[13]?._tag).toBe("Left")
    const keyed = results.filter((_, i) => i % 3 === 0).flatMap((r) => (r._tag === "Right" ? [r.right] : []))
    expect(keyed.filter((r) => r._tag === "Created")).toHaveLength(1)
    expect(new Set(keyed.map((r) => r.publicId)).size).toBe(1)
    expect(keyed.filter((r) => r._tag === "Existing").every((r) => r.requestHash === "hash-same-key")).toBe(
      true
    )
    const [stored] = await query<{ emails: number; attachments: number; deliveries: number }>(
      db.url,
      `SELECT (SELECT count(*)::int FROM emails) AS emails, (SELECT count(*)::int FROM email_attachments) AS attachments,
              (SELECT count(*)::int FROM deliveries) AS deliveries`
    )
    // 30 sent: 10 share one key (one email), one was refused.
    expect(stored).toEqual({ emails: 20, attachments: 20, deliveries: 20 })
    const [bytes] = await query<{ content: Buffer }>(
      db.url,
      "SELECT content FROM email_attachments WHERE filename = 'f1.txt'"
    )
    expect([...(bytes?.content ?? [])]).toEqual([1, 0, 255])
  })

  it("fails an email whose text PostgreSQL cannot store alone, and writes the rest of its batch together", async () => {
    await query(db.url, "DELETE FROM emails")
    // Each call of accept_emails inserts its emails with one statement: count the statements.
    await query(db.url, "CREATE TABLE accept_calls (at timestamptz NOT NULL DEFAULT now())")
    await query(
      db.url,
      `CREATE FUNCTION count_accept_call() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN INSERT INTO accept_calls DEFAULT VALUES; RETURN NULL; END $$`
    )
    await query(
      db.url,
      "CREATE TRIGGER count_accept_call AFTER INSERT ON emails FOR EACH STATEMENT EXECUTE FUNCTION count_accept_call()"
    )
    try {
      const emails = Array.from({ length: 30 }, (_, i) =>
        newEmail(sender(), [`r${i}@rcpt.test`], {
          subject: i === 7 ? "half \ud800 a character" : `hi ${i}`,
          text: i === 19 ? "nul \u0000 here" : "hi",
          tags: i === 23 ? ["\udfff"] : []
        })
      )
      const exits = await run(
        Effect.forEach(
          emails,
          (e) => Effect.exit(Effect.flatMap(EmailRepository, (repo) => repo.accept(e))),
          {
            concurrency: "unbounded"
          }
        )
      )
      expect(exits.flatMap((exit, i) => (exit._tag === "Failure" ? [i] : []))).toEqual([7, 19, 23])
      const [counts] = await query<{ emails: number; calls: number }>(
        db.url,
        "SELECT (SELECT count(*)::int FROM emails) AS emails, (SELECT count(*)::int FROM accept_calls) AS calls"
      )
      expect(counts?.emails).toBe(27)
      // One by one would be 27 calls; the batches stay batches (up to four calls run at once, and
      // those that start together may each carry one email).
      expect(counts?.calls).toBeLessThanOrEqual(8)
    } finally {
      await query(db.url, "DROP TRIGGER count_accept_call ON emails")
      await query(db.url, "DROP FUNCTION count_accept_call()")
      await query(db.url, "DROP TABLE accept_calls")
    }
  })

  it("marks each email of one batch by its own recipients' suppressions, and names the entry in its events", async () => {
    await query(db.url, "DELETE FROM emails")
    await query(db.url, "DELETE FROM events")
    const [gone] = await query<{ id: number }>(
      db.url,
      "INSERT INTO suppressions (team_id, email, reason) VALUES ($1, 'Gone@Rcpt.test', 'hard_bounce') RETURNING id",
      [teamId]
    )
    const email = (subject: string, to: ReadonlyArray<string>) => newEmail(sender(), to, { subject })
    // Accepted together, so they share one call: the suppressed address sits in two of them.
    await run(
      Effect.forEach(
        [
          email("none", ["bob@rcpt.test"]),
          email("all", ["gone@rcpt.test"]),
          email("some", ["ann@rcpt.test", "gone@rcpt.test"])
        ],
        (e) => Effect.flatMap(EmailRepository, (repo) => repo.accept(e)),
        { concurrency: "unbounded" }
      )
    )
    const emails = await query<{ subject: string; status: string; deliveries: Array<string> }>(
      db.url,
      `SELECT e.subject, e.status,
              array_agg(d.recipient || ':' || d.status || ':' || coalesce(d.suppression_reason, '-') ORDER BY d.id) AS deliveries
       FROM emails e JOIN deliveries d ON d.email_id = e.id GROUP BY e.id ORDER BY e.subject`
    )
    expect(emails).toEqual([
      { subject: "all", status: "suppressed", deliveries: ["gone@rcpt.test:suppressed:hard_bounce"] },
      { subject: "none", status: "queued", deliveries: ["bob@rcpt.test:queued:-"] },
      {
        subject: "some",
        status: "queued",
        deliveries: ["ann@rcpt.test:queued:-", "gone@rcpt.test:suppressed:hard_bounce"]
      }
    ])
    const outbox = await query<{ subject: string; type: string; suppression: number | null }>(
      db.url,
      `SELECT payload->>'subject' AS subject, type, (payload->>'suppression_id')::int AS suppression
       FROM events ORDER BY id`
    )
    // Each email's own events, its queued event first, and every suppressed one naming the entry.
    const bySubject = (s: string) => outbox.filter((e) => e.subject === s).map((e) => [e.type, e.suppression])
    expect(bySubject("all")).toEqual([
      ["email.queued", null],
      ["email.suppressed", gone?.id]
    ])
    expect(bySubject("some")).toEqual([
      ["email.queued", null],
      ["email.suppressed", gone?.id]
    ])
    expect(bySubject("none")).toEqual([["email.queued", null]])
    await query(db.url, "DELETE FROM suppressions")
  })

  it("keeps a scheduled email moving while a copy still waits for a worker", async () => {
    const at = new Date(Date.now() + 60_000)
    await send(["ann@rcpt.test", "bob@rcpt.test"], at)
    const [first] = await claim(new Date(at.getTime() + 500), 1, 30_000)
    if (first === undefined) throw new Error("nothing claimed")
    await run(
      Effect.flatMap(DeliveryQueue, (q) =>
        q.record(first, settleDelivery(first, delivered, new Date(at.getTime() + 600), DEFAULT_RETRY_POLICY))
      )
    )
    expect((await rows()).map((r) => r.status).sort()).toEqual(["delivered", "scheduled"])
    expect(await emailStatus()).toBe("queued")
  })

  it("refuses to reschedule an email once a worker has taken one of its copies", async () => {
    const at = new Date(Date.now() + 60_000)
    const id = await send(["ann@rcpt.test", "bob@rcpt.test"], at)
    expect(await claim(new Date(at.getTime() + 500), 1, 30_000)).toHaveLength(1)
    const later = new Date(at.getTime() + 3_600_000)
    expect(
      await run(Effect.flatMap(EmailRepository, (repo) => repo.reschedule(teamId, id, later, canReschedule)))
    ).toMatchObject({ _tag: "Refused" })
    const [bob] = await query<{ next_attempt_at: Date }>(
      db.url,
      "SELECT next_attempt_at FROM deliveries WHERE status = 'scheduled'"
    )
    expect(bob?.next_attempt_at.getTime()).toBe(at.getTime())
  })

  it("never cancels an email a worker claims at the same moment: one of the two wins, whole", async () => {
    for (let i = 0; i < 20; i++) {
      const id = await send(["ann@rcpt.test", "bob@rcpt.test"], null)
      const [cancelled, claimed] = await Promise.all([
        run(Effect.flatMap(EmailRepository, (repo) => repo.cancel(teamId, id, canCancel))),
        // Staggered by 0 to 19 ms so that either may get there first.
        new Promise((resolve) => setTimeout(resolve, i)).then(() =>
          claim(new Date(Date.now() + 60_000), 1, 30_000)
        )
      ])
      const statuses = (await rows()).map((r) => r.status).sort()
      if (cancelled._tag === "Written") {
        expect(claimed).toEqual([])
        expect(statuses).toEqual(["cancelled", "cancelled"])
      } else {
        expect(cancelled._tag).toBe("Refused")
        expect(claimed).toHaveLength(1)
        expect(statuses).toEqual(["queued", "sending"])
      }
    }
  })
})
