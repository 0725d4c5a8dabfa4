import { SqlClient } from "@effect/sql"
import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { type DeliveryResult, DeliveryQueue } from "@poststack/application"
import type { DeliveryStatus, DomainId, TeamId } from "@poststack/domain"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"
import {
  accept,
  ADDRESSES,
  advance,
  cancel,
  claim,
  emailStatusOf,
  expectedSettlement,
  newModel,
  type Ports,
  type Real,
  record,
  type RowStatus,
  reschedule,
  suppress,
  workerResult
} from "./deliveryModel.js"

// Bounded for CI; POSTSTACK_PROPERTY_RUNS=500 explores further.
const RUNS = Number(process.env.POSTSTACK_PROPERTY_RUNS ?? 60)

describe("the message state machine against PostgreSQL", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let runtime: ManagedRuntime.ManagedRuntime<Ports, unknown>
  let real: Real

  beforeAll(async () => {
    db = await createTestDatabase()
    runtime = ManagedRuntime.make(
      PgPersistence.pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 6 })))
    )
    await runtime.runPromise(Effect.void)
    const [team] = await query<{ id: number }>(
      db.url,
      "INSERT INTO teams (name) VALUES ('model') RETURNING id"
    )
    const [domain] = await query<{ id: number }>(
      db.url,
      "INSERT INTO domains (team_id, public_id, name) VALUES ($1, 'dom_model', 'sender.test') RETURNING id",
      [team?.id]
    )
    real = {
      run: (effect) => runtime.runPromise(effect),
      teamId: team?.id as TeamId,
      domainId: domain?.id as DomainId
    }
  })
  afterAll(async () => {
    await runtime.dispose()
    await db.drop()
  })

  // Each run starts from an empty queue, with the clock ahead of the real time the sends are stamped with.
  const reset = () =>
    real.run(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql`TRUNCATE emails, deliveries, email_events, email_attachments, suppressions, events RESTART IDENTITY CASCADE`
      )
    )
  const start = () => Date.now() + 10 * 60_000

  it("keeps one final state per message, no double claim, nothing sent after cancel or suppression", async () => {
    const acceptCmd = fc
      .tuple(
        fc.uniqueArray(fc.nat({ max: ADDRESSES.length - 1 }), { minLength: 1, maxLength: 3 }),
        fc.option(fc.oneof(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 120_000 })), {
          nil: null,
          freq: 2
        })
      )
      .map(([rcpts, at]) => accept(rcpts, at))
    const claimCmd = fc
      .tuple(fc.nat({ max: 2 }), fc.constantFrom(1, 1, 2, 4), fc.constantFrom(1_000, 30_000))
      .map(([worker, limit, lease]) => claim(worker, limit, lease))
    const recordCmd = fc
      .tuple(fc.nat(), fc.constantFrom("delivered", "deferred", "hardBounce", "softBounce", "busy" as const))
      .map(([i, kind]) => record(i, kind))
    const advanceCmd = fc
      .constantFrom(500, 1_500, 5_000, 31_000, 130_000, 20 * 60_000)
      .map((ms) => advance(ms))
    const rescheduleCmd = fc
      .tuple(fc.nat(), fc.integer({ min: 0, max: 120_000 }))
      .map(([i, at]) => reschedule(i, at))
    // Weights by repetition: sends, claims, records and the clock make the interleavings that matter.
    const commands = [
      acceptCmd,
      acceptCmd,
      claimCmd,
      claimCmd,
      claimCmd,
      recordCmd,
      recordCmd,
      recordCmd,
      recordCmd,
      advanceCmd,
      advanceCmd,
      fc.nat().map((i) => cancel(i)),
      rescheduleCmd,
      rescheduleCmd,
      fc.nat({ max: ADDRESSES.length - 1 }).map((i) => suppress(i))
    ]
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: "max" }), async (cmds) => {
        await reset()
        await fc.asyncModelRun(() => ({ model: newModel(start()), real }), cmds)
      }),
      { numRuns: RUNS }
    )
  }, 300_000)

  it("gives parallel claims at one instant disjoint sets, loses none, and sums up parallel records", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 5 }),
        fc.nat({ max: 6 }),
        fc.array(fc.constantFrom("delivered", "deferred", "softBounce", "busy" as const), { minLength: 1 }),
        async (emails, limits, expiring, outcomes) => {
          await reset()
          const now = start()
          const model = newModel(now)
          for (const [n, count] of emails.entries())
            await accept(
              Array.from({ length: count }, (_, i) => (n + i) % ADDRESSES.length),
              null
            ).run(model, real)
          const total = emails.reduce((a, b) => a + b, 0)
          // Some were claimed by a worker whose lease has run out by the time the others claim.
          const claimAt = (at: number, limit: number, leaseMs: number) =>
            real.run(
              Effect.flatMap(DeliveryQueue, (q) =>
                q.claim({ now: new Date(at), limit, leaseMs, testMode: false })
              )
            )
          const stale = await claimAt(now, expiring, 1_000)
          const later = now + 2_000
          const batches = await Promise.all(limits.map((limit) => claimAt(later, limit, 60_000)))
          const ids = batches.flat().map((d) => d.id)
          expect(new Set(ids).size, "no delivery in two claims").toBe(ids.length)
          expect(ids.length).toBeLessThanOrEqual(total)
          const rest = await claimAt(later, 1_000, 60_000)
          expect([...ids, ...rest.map((d) => d.id)].sort(), "every due delivery claimed once").toEqual(
            (await query<{ id: string }>(db.url, "SELECT id FROM deliveries")).map((r) => Number(r.id)).sort()
          )

          // Every worker records at once, the one whose lease ran out too: copies of one email
          // settle one at a time, and the stale claims change nothing.
          const current = [...batches.flat(), ...rest]
          const kindOf = (id: number) => outcomes[id % outcomes.length] ?? "delivered"
          const results = new Map(current.map((c) => [c.id, workerResult(c, kindOf(c.id), later)]))
          await Promise.all([
            ...stale.map((c) =>
              real.run(
                Effect.flatMap(DeliveryQueue, (q) => q.record(c, workerResult(c, "hardBounce", later)))
              )
            ),
            ...current.map((c) =>
              real.run(Effect.flatMap(DeliveryQueue, (q) => q.record(c, results.get(c.id) as DeliveryResult)))
            )
          ])
          const rows = await query<{
            id: string
            status: DeliveryStatus
            email: string
            email_status: string
          }>(
            db.url,
            "SELECT d.id, d.status, e.public_id AS email, e.status AS email_status FROM deliveries d JOIN emails e ON e.id = d.email_id"
          )
          // The model's own rules say what each current claim's outcome makes of it.
          const expected = new Map<number, RowStatus>(
            current.map((c) => [c.id, expectedSettlement(c, kindOf(c.id), later).status])
          )
          for (const row of rows) expect(row.status, `delivery ${row.id}`).toBe(expected.get(Number(row.id)))
          for (const e of model.emails) {
            const own = rows.filter((row) => row.email === e.publicId)
            expect(own[0]?.email_status, `email ${e.publicId}`).toBe(
              emailStatusOf(own.map((row) => row.status))
            )
          }
          const bounced = await query(db.url, "SELECT 1 FROM email_events WHERE event_type = 'bounced'")
          expect(bounced.length, "bounces recorded").toBe(
            current.filter((c) => expected.get(c.id) === "bounced").length
          )
        }
      ),
      { numRuns: Math.max(10, Math.round(RUNS / 3)) }
    )
  }, 300_000)
})
