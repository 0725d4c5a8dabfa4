import { readdirSync, readFileSync, statSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { FileBlobStore, PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import {
  asOperator,
  DataSubjectStore,
  GetPrivacyJob,
  PrivacyJobQueue,
  type Principal,
  RequestPrivacyJob,
  runPrivacyJob,
  StoreUnavailable
} from "@poststack/application"
import { type SessionId, subjectPattern, type TeamId, type UserId } from "@poststack/domain"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { type PgSeed, pgSeed } from "../retention/pgSeed.js"

const SUBJECT = "ann@rcpt.test"
const T = Date.now()
const ago = (ms: number) => new Date(T - ms)

/** Every file under `dir`, recursively. */
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name)
    return statSync(p).isDirectory() ? files(p) : [p]
  })

const person = (teamId: TeamId, role: "owner" | "admin" | "member"): Principal => ({
  _tag: "Person",
  teamId,
  userId: "usr_000000000000000000000001" as UserId,
  role,
  sessionId: "ses_000000000000000000000001" as SessionId
})

const layers = (url: string, blobRoot: string) =>
  Layer.mergeAll(PgPersistence, FileBlobStore.layer(blobRoot)).pipe(
    Layer.provideMerge(PgDatabase.layer(Redacted.make(url), { maxConnections: 3 }))
  )
type Ports = Layer.Layer.Success<ReturnType<typeof layers>>
const makeRuntime = (url: string, blobRoot: string) => ManagedRuntime.make(layers(url, blobRoot))

describe("data subjects: export and erasure as worker jobs", () => {
  let db: { url: string; drop: () => Promise<void> }
  let seed: PgSeed
  let blobRoot: string
  let runtime: ReturnType<typeof makeRuntime>
  const run = <A, E>(effect: Effect.Effect<A, E, Ports>) => runtime.runPromise(effect)

  /** Claims and runs every waiting job, as the worker's `privacy.jobs` would. */
  const work = () =>
    runtime.runPromise(
      Effect.gen(function* () {
        const queue = yield* PrivacyJobQueue
        const jobs = yield* queue.claim({ limit: 10, leaseMs: 60_000 })
        for (const job of jobs) yield* runPrivacyJob(job)
        return jobs.length
      })
    )

  /**
   * How many rows of each table name the subject, as text (the address, not inside a longer one)
   * or as bytes (after a space, as in headers and attachments), among the given teams' rows.
   */
  const search = async (teamIds: ReadonlyArray<number>) => {
    const tables = await seed.q<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    const hex = [` ${SUBJECT}`, ` ${SUBJECT.toUpperCase()}`].map((s) => Buffer.from(s).toString("hex"))
    // Rows without a team of their own belong to their parent's.
    const parents: Record<string, string> = {
      email_attachments: "t.email_id IN (SELECT id FROM emails WHERE team_id = ANY($4))",
      email_events: "t.email_id IN (SELECT id FROM emails WHERE team_id = ANY($4))",
      inbound_attachments: "t.inbound_email_id IN (SELECT id FROM inbound_emails WHERE team_id = ANY($4))",
      webhook_attempts: "t.delivery_id IN (SELECT id FROM webhook_deliveries WHERE team_id = ANY($4))"
    }
    const found: Record<string, number> = {}
    for (const { table_name } of tables) {
      const teamColumn = await seed.q(
        "SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = 'team_id'",
        [table_name]
      )
      const scope =
        teamColumn.length > 0
          ? "(t.team_id IS NULL OR t.team_id = ANY($4))"
          : (parents[table_name] ?? "$4::int[] IS NOT NULL")
      const n = await seed.count(
        `${table_name} t WHERE (t::text ~* $1 OR t::text ILIKE '%' || $2 || '%' OR t::text ILIKE '%' || $3 || '%') AND ${scope}`,
        [subjectPattern(SUBJECT), hex[0], hex[1], teamIds]
      )
      if (n > 0) found[table_name] = n
    }
    return found
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    blobRoot = mkdtempSync(path.join(tmpdir(), "poststack-erasure-"))
    runtime = makeRuntime(db.url, blobRoot)
    await runtime.runPromise(Effect.void)
    seed = pgSeed(db.url, blobRoot)
  })
  afterAll(async () => {
    await seed.close()
    await runtime.dispose()
    await db.drop()
  })

  it("exports every row naming the address, erases them all (database and disk), resumes after a crash, and keeps the suppression", async () => {
    const [a, b] = [(await seed.team("a")) as TeamId, (await seed.team("b")) as TeamId]
    for (const to of [SUBJECT, "ANN@rcpt.test", "joann@rcpt.test", "bob@rcpt.test"])
      await seed.email(a, ago(1000), to)
    for (const to of [SUBJECT, "bob@rcpt.test", "joann@rcpt.test"]) await seed.event(a, ago(1000), to)
    await seed.inbound([a], ago(1000), SUBJECT)
    const bobInbound = await seed.inbound([a], ago(1000), "bob@sender.test")
    await seed.q(
      "INSERT INTO contacts (public_id, team_id, email, first_name, properties) VALUES ($1, $2, $3, 'Ann', '{\"plan\": \"gold\"}'), ($4, $2, 'bob@rcpt.test', 'Bob', '{}')",
      ["con_aaaaaaaaaaaaaaaaaaaaaaaa", a, "Ann@Rcpt.test", "con_bbbbbbbbbbbbbbbbbbbbbbbb"]
    )
    await seed.suppression(a, SUBJECT, null)
    // The same person in another team: that team's data is not this team's to erase.
    await seed.email(b, ago(1000), SUBJECT)
    const bInbound = await seed.inbound([b], ago(1000), SUBJECT)

    // Export first.
    const exportJob = await run(RequestPrivacyJob(person(a, "admin"), "export", " Ann@Rcpt.Test "))
    expect(await work()).toBe(1)
    const exported = await run(GetPrivacyJob(asOperator(a), exportJob.id))
    expect(exported.status).toBe("done")
    const archive = exported.result as Record<string, ReadonlyArray<unknown>>
    expect(archive.emails).toHaveLength(2)
    expect(archive.events).toHaveLength(1)
    expect(archive.webhookDeliveries).toHaveLength(1)
    expect(archive.inbound).toHaveLength(1)
    expect(archive.contacts).toEqual([
      expect.objectContaining({ first_name: "Ann", properties: { plan: "gold" } })
    ])
    expect(archive.suppressions).toHaveLength(1)
    expect(JSON.stringify(archive)).not.toContain("bob@")

    // Erasure, with a database that fails on the fourth batch: the worker dies there.
    const job = await run(RequestPrivacyJob(asOperator(a), "erase", SUBJECT))
    let calls = 0
    const failing = Layer.effect(
      DataSubjectStore,
      Effect.map(DataSubjectStore, (store) =>
        DataSubjectStore.of({
          ...store,
          eraseStep: (...args) =>
            ++calls === 4 ? Effect.fail(new StoreUnavailable({ message: "gone" })) : store.eraseStep(...args)
        })
      )
    )
    const crashed = await runtime.runPromise(
      Effect.gen(function* () {
        const [claimed] = yield* Effect.flatMap(PrivacyJobQueue, (q) =>
          q.claim({ limit: 1, leaseMs: 60_000 })
        )
        return yield* Effect.either(runPrivacyJob(claimed as never).pipe(Effect.provide(failing)))
      })
    )
    expect(crashed._tag).toBe("Left")
    const halfway = await run(GetPrivacyJob(asOperator(a), job.id))
    expect(halfway.status).toBe("running")
    expect(halfway.progress?.stage).not.toBe("webhookDeliveries")
    // Its lease runs out; another worker takes it over from the saved progress.
    await seed.q("UPDATE privacy_jobs SET lease_until = now() - interval '1 second' WHERE id = $1", [job.id])
    expect(await work()).toBe(1)
    const done = await run(GetPrivacyJob(asOperator(a), job.id))
    expect(done.status).toBe("done")
    expect(done.address).toBeNull()
    expect(done.result).toEqual({
      erased: { webhookDeliveries: 1, events: 1, emails: 2, inbound: 1, contacts: 1, blobs: 2 }
    })

    // Searched for everywhere: only the suppression (P26) and the other team's rows still name it.
    expect(await search([a])).toEqual({ suppressions: 1 })
    // The search finds what is there: the other team's copies.
    expect(await search([b])).toMatchObject({ emails: 1, deliveries: 1, inbound_emails: 1 })
    expect(await seed.count("emails WHERE team_id = $1", [a])).toBe(2)
    expect(await seed.count("contacts WHERE team_id = $1", [a])).toBe(1)
    expect(await seed.count("emails WHERE team_id = $1", [b])).toBe(1)
    const onDisk = files(blobRoot).filter((f) =>
      readFileSync(f).toString("latin1").toLowerCase().includes(SUBJECT)
    )
    expect(onDisk.map((f) => path.relative(blobRoot, path.dirname(f))).sort()).toEqual(
      [path.dirname(bInbound.rawKey), path.dirname(bInbound.partKey)].sort()
    )
    expect(files(blobRoot).some((f) => f.endsWith(bobInbound.rawKey))).toBe(true)
    // The earlier export no longer holds what was erased.
    const [exportRow] = await seed.q<{ address: string | null; result: unknown }>(
      "SELECT address, result FROM privacy_jobs WHERE id = $1",
      [exportJob.id]
    )
    expect(exportRow).toEqual({ address: null, result: null })
    // The audit log names the jobs, never the address.
    const audit = await seed.q<{ action: string; target_id: string }>(
      "SELECT action, target_id FROM audit_log WHERE team_id = $1 ORDER BY id",
      [a]
    )
    expect(audit).toEqual([
      { action: "data.exported", target_id: exportJob.id },
      { action: "data.erased", target_id: job.id }
    ])
  })

  it("erases emails in batches cut into ranges erased at once: an email named twice is never split, others' mail stays", async () => {
    const a = (await seed.team("a3")) as TeamId
    const subjects: Array<number> = []
    for (let i = 0; i < 7; i++) subjects.push(await seed.email(a, ago(1000), SUBJECT))
    // The fourth also names the subject in "cc" and has a second recipient: its two deliveries to
    // the subject sit on either side of a batch of 4, and the whole email goes with its first.
    const twice = subjects[3] as number
    await seed.q(
      "INSERT INTO deliveries (email_id, team_id, recipient, kind, status) VALUES ($1, $2, $3, 'cc', 'delivered'), ($1, $2, 'bob@rcpt.test', 'to', 'delivered')",
      [twice, a, SUBJECT.toUpperCase()]
    )
    const bobs = [
      await seed.email(a, ago(1000), "bob@rcpt.test"),
      await seed.email(a, ago(1000), "bob@rcpt.test")
    ]
    const steps = await run(
      Effect.gen(function* () {
        const store = yield* DataSubjectStore
        const steps: Array<{ removed: number; cursor: number | null }> = []
        let cursor = 0
        for (;;) {
          const step = yield* store.eraseStep(a, SUBJECT, "emails", cursor, 4)
          steps.push({ removed: step.removed, cursor: step.cursor })
          if (step.cursor === null) return steps
          cursor = step.cursor
        }
      })
    )
    // Batch 1 reads 4 deliveries (emails 1 to 4, the fourth's "to"), erases emails 1-4 in two
    // ranges, the fourth's "cc" and bob's delivery with it; batch 2 finds the last three.
    expect(steps).toEqual([
      { removed: 4, cursor: twice },
      { removed: 3, cursor: null }
    ])
    expect(await seed.count("emails WHERE id = ANY($1)", [subjects])).toBe(0)
    expect(await seed.count("deliveries WHERE email_id = ANY($1)", [subjects])).toBe(0)
    expect(await seed.count("email_events WHERE email_id = ANY($1)", [subjects])).toBe(0)
    expect(await seed.count("email_attachments WHERE email_id = ANY($1)", [subjects])).toBe(0)
    expect(await seed.count("emails WHERE id = ANY($1)", [bobs])).toBe(2)
    expect(await seed.count("deliveries WHERE email_id = ANY($1)", [bobs])).toBe(2)
  })

  it("refuses members and bad addresses, and hides another team's job", async () => {
    const [a, b] = [(await seed.team("a2")) as TeamId, (await seed.team("b2")) as TeamId]
    const refused = await runtime.runPromise(
      Effect.flip(RequestPrivacyJob(person(a, "member"), "erase", SUBJECT))
    )
    expect(refused._tag).toBe("PermissionDenied")
    const bad = await runtime.runPromise(
      Effect.flip(RequestPrivacyJob(asOperator(a), "erase", "not an address"))
    )
    expect(bad._tag).toBe("ValidationFailed")
    const job = await run(RequestPrivacyJob(person(a, "owner"), "erase", SUBJECT))
    const other = await runtime.runPromise(Effect.flip(GetPrivacyJob(asOperator(b), job.id)))
    expect(other._tag).toBe("PrivacyJobNotFound")
    expect(await seed.count("privacy_jobs WHERE team_id = $1", [a])).toBe(1)
  })
})
