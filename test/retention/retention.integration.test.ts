import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import {
  FileBlobStore,
  PgAuditLog,
  PgDatabase,
  PgRequestLog,
  PgRetentionStore,
  PgSignupFormRepository
} from "@poststack/adapters-persistence"
import { RetentionPolicySource } from "@poststack/application"
import { periodicTasks } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { type PgSeed, pgSeed } from "./pgSeed.js"

const DAY = 86_400_000
const HOUR = 3_600_000
const T = Date.now()
const ago = (ms: number) => new Date(T - ms)

describe("retention: the worker's purge with a clock the test moves", () => {
  let db: { url: string; drop: () => Promise<void> }
  let seed: PgSeed
  let blobRoot: string
  let runtime: ManagedRuntime.ManagedRuntime<never, unknown>
  const days = new Map<number, number>()
  const task = periodicTasks.find((t) => t.name === "logs.purge")

  /** One round of the worker's task with the clock at `now`. */
  const purgeAt = (now: number) =>
    runtime.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(now)
        yield* (task?.run ?? Effect.die("no logs.purge task")) as Effect.Effect<void>
      }).pipe(Effect.provide(TestContext.TestContext))
    )

  beforeAll(async () => {
    db = await createTestDatabase()
    blobRoot = mkdtempSync(path.join(tmpdir(), "poststack-retention-"))
    const policy = Layer.succeed(
      RetentionPolicySource,
      RetentionPolicySource.of({ retentionDays: (teamId) => Effect.succeed(days.get(teamId) ?? 30) })
    )
    runtime = ManagedRuntime.make(
      Layer.mergeAll(
        PgAuditLog.layer,
        PgRequestLog.layer(),
        PgRetentionStore.layer,
        PgSignupFormRepository.layer,
        policy,
        FileBlobStore.layer(blobRoot)
      ).pipe(Layer.provide(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 3 })))
    ) as ManagedRuntime.ManagedRuntime<never, unknown>
    await runtime.runPromise(Effect.void)
    seed = pgSeed(db.url, blobRoot)
  })
  afterAll(async () => {
    await seed.close()
    await runtime.dispose()
    await db.drop()
  })

  it("deletes each kind past its team's window, files on disk too, and nothing younger; suppressions stay", async () => {
    expect(task?.every).toBe("1 hour")
    const [a, b, c] = [await seed.team("a"), await seed.team("b"), await seed.team("c")]
    days.set(b, 14)
    days.set(c, 60)
    // Team a: 30 days.
    const oldEmail = await seed.email(a, ago(31 * DAY), "old@rcpt.test")
    const youngEmail = await seed.email(a, ago(29 * DAY), "young@rcpt.test")
    const waiting = await seed.email(a, ago(31 * DAY), "waiting@rcpt.test", "deferred")
    await seed.suppression(a, "old@rcpt.test", oldEmail)
    await seed.event(a, ago(31 * DAY), "old@rcpt.test")
    const youngEvent = await seed.event(a, ago(29 * DAY), "young@rcpt.test")
    const oldInbound = await seed.inbound([a], ago(31 * DAY), "old@sender.test")
    const youngInbound = await seed.inbound([a], ago(29 * DAY), "young@sender.test")
    // One message received for a and c: c keeps it 60 days, so its file stays.
    const shared = await seed.inbound([a, c], ago(31 * DAY), "shared@sender.test")
    // Team b: 14 days.
    await seed.email(b, ago(15 * DAY), "b-old@rcpt.test")
    const bYoung = await seed.email(b, ago(11 * DAY), "b-young@rcpt.test")
    await seed.event(b, ago(15 * DAY), "b-old@rcpt.test")
    // Sessions: 24 hours from creation.
    await seed.session(ago(25 * HOUR))
    const liveUser = await seed.session(ago(23 * HOUR))
    // Audit: 90 days.
    await seed.q(
      "INSERT INTO audit_log (team_id, action, occurred_at) VALUES ($1, 'domain.added', $2), ($1, 'domain.removed', $3)",
      [a, ago(91 * DAY), ago(89 * DAY)]
    )

    await purgeAt(T)

    const emails = await seed.q<{ id: string }>(
      "SELECT id FROM emails WHERE team_id IN ($1, $2) ORDER BY id",
      [a, b]
    )
    expect(emails.map((r) => Number(r.id))).toEqual([youngEmail, waiting, bYoung])
    expect(await seed.count("deliveries WHERE email_id = $1", [oldEmail])).toBe(0)
    expect(await seed.count("email_events WHERE email_id = $1", [oldEmail])).toBe(0)
    expect(await seed.count("email_attachments WHERE email_id = $1", [oldEmail])).toBe(0)
    // Nothing is left pointing at a deleted email (the statement trigger of 0073 replaced the keys).
    for (const table of ["deliveries", "email_events", "email_attachments"])
      expect(
        await seed.count(`${table} t WHERE NOT EXISTS (SELECT 1 FROM emails e WHERE e.id = t.email_id)`),
        table
      ).toBe(0)
    expect(await seed.count("email_events WHERE email_id = $1 AND event_type = 'opened'", [youngEmail])).toBe(
      1
    )
    // P26: the suppression stays, no longer pointing at the deleted email.
    const supp = await seed.q<{ source_email_id: string | null }>(
      "SELECT source_email_id FROM suppressions WHERE team_id = $1",
      [a]
    )
    expect(supp).toEqual([{ source_email_id: null }])
    const events = await seed.q<{ id: string }>("SELECT id FROM events WHERE team_id IN ($1, $2)", [a, b])
    expect(events.map((r) => Number(r.id))).toEqual([youngEvent])
    expect(await seed.count("webhook_deliveries WHERE team_id IN ($1, $2)", [a, b])).toBe(1)
    expect(await seed.count("webhook_attempts")).toBe(1)
    // Inbound: rows and files past the window gone; the young message and the shared file stay.
    expect(await seed.count("inbound_emails WHERE id = ANY($1)", [oldInbound.ids])).toBe(0)
    expect(await seed.count("inbound_attachments WHERE inbound_email_id = ANY($1)", [oldInbound.ids])).toBe(0)
    expect(existsSync(path.join(blobRoot, oldInbound.rawKey))).toBe(false)
    expect(existsSync(path.join(blobRoot, oldInbound.partKey))).toBe(false)
    expect(await seed.count("inbound_emails WHERE id = ANY($1)", [youngInbound.ids])).toBe(1)
    expect(existsSync(path.join(blobRoot, youngInbound.rawKey))).toBe(true)
    expect(await seed.count("inbound_emails WHERE id = ANY($1)", [shared.ids])).toBe(1)
    expect(existsSync(path.join(blobRoot, shared.rawKey))).toBe(true)
    expect(existsSync(path.join(blobRoot, shared.partKey))).toBe(true)
    const sessions = await seed.q<{ user_id: string }>("SELECT user_id FROM sessions")
    expect(sessions).toEqual([{ user_id: liveUser }])
    const audit = await seed.q<{ action: string }>("SELECT action FROM audit_log WHERE team_id = $1", [a])
    expect(audit).toEqual([{ action: "domain.removed" }])

    // Two days later the 29-day rows are 31 days old; the deferred email settles and goes too.
    await seed.q("UPDATE deliveries SET status = 'failed' WHERE email_id = $1", [waiting])
    await purgeAt(T + 2 * DAY)
    expect(await seed.count("emails WHERE team_id = $1", [a])).toBe(0)
    expect(await seed.count("events WHERE team_id = $1", [a])).toBe(0)
    expect(await seed.count("inbound_emails WHERE team_id = $1", [a])).toBe(0)
    expect(existsSync(path.join(blobRoot, youngInbound.rawKey))).toBe(false)
    expect(await seed.count("emails WHERE team_id = $1", [b])).toBe(1)
    expect(await seed.count("sessions")).toBe(0)
    // 31 days in, c's 60 days are far from over; at 61 its copy and the shared files go.
    expect(existsSync(path.join(blobRoot, shared.rawKey))).toBe(true)
    await purgeAt(T + 30 * DAY)
    expect(await seed.count("inbound_emails WHERE team_id = $1", [c])).toBe(0)
    expect(existsSync(path.join(blobRoot, shared.rawKey))).toBe(false)
    expect(existsSync(path.join(blobRoot, shared.partKey))).toBe(false)
    expect(await seed.count("suppressions WHERE team_id = $1", [a])).toBe(1)
  })

  it("works through a backlog larger than one batch, past a younger row among the oldest ids, stopping at the window", async () => {
    const team = await seed.team("backlog")
    const young =
      "INSERT INTO events (team_id, type, payload, created_at) VALUES ($1, 'email.sent', '{}', $2)"
    // A row written now, before older ones were loaded (an import): ids do not always follow time.
    await seed.q(young, [team, ago(DAY)])
    await seed.q(
      `INSERT INTO events (team_id, type, payload, created_at)
       SELECT $1, 'email.sent', '{}', $2::timestamptz + (n || ' seconds')::interval FROM generate_series(1, 24500) n`,
      [team, ago(40 * DAY)]
    )
    await seed.q(young, [team, ago(DAY)])
    await purgeAt(T)
    expect(await seed.count("events WHERE team_id = $1", [team])).toBe(2)
  })
})
