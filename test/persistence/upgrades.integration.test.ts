import { createHash, generateKeyPairSync, randomBytes } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { NodeCryptoSecretBox } from "@poststack/adapters-external"
import { migrations, PgDatabase, PgMigrations } from "@poststack/adapters-persistence"
import { jobs, WorkerLive, webhookJobs } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"
import { startTestServer, TEST_ENCRYPTION_KEY, testServices } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import {
  eventually,
  startWebhookReceiver,
  verifyPostStackSignature,
  type WebhookReceiver
} from "../support/webhookReceiver.js"
import { dispatcherSettings, noTasks } from "../support/webhookWorker.js"

/**
 * Every migration is taken as a release point: a database may have been left at any of them.
 * For each, the database is built with the migrations up to it, filled the way that schema
 * allowed, then started with the current code, which must migrate it and keep every row usable.
 */
const releases = Object.keys(migrations).sort()
const numberOf = (key: string) => Number(key.slice(0, 4))
const upTo = (key: string) =>
  Object.fromEntries(Object.entries(migrations).filter(([k]) => numberOf(k) <= numberOf(key)))

const box = NodeCryptoSecretBox.make(
  Redacted.make(new Uint8Array(Buffer.from(TEST_ENCRYPTION_KEY, "base64")))
)
const seal = (secret: string) => Effect.runPromise(box.seal(Redacted.make(secret)))
const dkim = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "der" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})

/** What a database at an older schema held, and what the checks look for. */
interface Seeded {
  readonly key: string
  readonly domainName: string
  readonly emailId?: string
  readonly webhook?: { readonly id: number; readonly secret: string; readonly path: string }
  readonly inboundId?: number
}

/**
 * Rows as the code of that release wrote them: each table gets the columns it had when it was
 * created (later migrations only add columns with defaults), only once the schema has it.
 */
const seed = async (client: pg.Client, schema: number, receiver: WebhookReceiver): Promise<Seeded> => {
  const one = async <Row>(text: string, values: ReadonlyArray<unknown>) =>
    (await client.query(text, [...values])).rows[0] as Row
  const key = `sk_live_${randomBytes(24).toString("base64url")}`
  const domainName = `v${schema}.upgrade.test`
  const team = await one<{ id: number }>("INSERT INTO teams (name) VALUES ($1) RETURNING id", [
    `team v${schema}`
  ])
  const domain = await one<{ id: number }>(
    "INSERT INTO domains (team_id, public_id, name) VALUES ($1, $2, $3) RETURNING id",
    [team.id, `dom_${randomBytes(8).toString("hex")}`, domainName]
  )
  const apiKey = await one<{ id: number }>(
    `INSERT INTO api_keys (team_id, name, key_prefix, key_hash, permission, mode)
     VALUES ($1, 'old key', $2, $3, 'full_access', 'live') RETURNING id`,
    [team.id, key.slice(0, 12), createHash("sha256").update(key).digest()]
  )
  // Keys are stored as a plain SHA-256 here, as every release before peppered hashes wrote them;
  // once the schema can say so, the row says so, and the server converts it at start.
  await client.query(
    `DO $$ BEGIN
       IF EXISTS (SELECT 1 FROM information_schema.columns
                  WHERE table_name = 'api_keys' AND column_name = 'key_hash_peppered') THEN
         UPDATE api_keys SET key_hash_peppered = false WHERE id = ${Number(apiKey.id)};
       END IF;
     END $$`
  )
  const seeded: { -readonly [K in keyof Seeded]: Seeded[K] } = { key, domainName }
  if (schema >= 2) {
    await client.query("UPDATE domains SET status = 'verified', verified_at = now() WHERE id = $1", [
      domain.id
    ])
    await client.query(
      `INSERT INTO dkim_keys (domain_id, selector, public_key, private_key_sealed, state, published_at)
       VALUES ($1, 'psupgrade', $2, $3, 'active', now())`,
      [domain.id, dkim.publicKey.toString("base64"), Buffer.from(await seal(dkim.privateKey))]
    )
    await client.query("INSERT INTO events (team_id, type, payload) VALUES ($1, 'domain.verified', $2)", [
      team.id,
      { domain: domainName }
    ])
  }
  if (schema >= 6) {
    const secret = `whsec_${randomBytes(32).toString("base64")}`
    const path = `/v${schema}`
    const webhook = await one<{ id: number }>(
      `INSERT INTO webhooks (team_id, url, events, secret_sealed, secret_prefix, created_at)
       VALUES ($1, $2, '{email.delivered}', $3, $4, now() - interval '1 hour') RETURNING id`,
      [team.id, receiver.url(path), Buffer.from(await seal(secret)), secret.slice(0, 12)]
    )
    await client.query(
      `INSERT INTO webhook_deliveries (webhook_id, team_id, event_public_id, event_type, data, event_created_at,
         status, attempts, status_code, response_body, delivered_at)
       VALUES ($1, $2, 'evt_00000000000000000000000000000001', 'email.delivered', '{"email_id":"em_old"}', now(),
         'delivered', 1, 200, 'ok', now())`,
      [webhook.id, team.id]
    )
    seeded.webhook = { id: webhook.id, secret, path }
  }
  if (schema >= 5) {
    const emailId = `em_${randomBytes(16).toString("hex")}`
    // One recipient is on the suppression list (added after the email was accepted).
    const email = await one<{ id: number }>(
      `INSERT INTO emails (public_id, team_id, api_key_id, domain_id, from_address, to_addresses, subject, text_body,
         message_id, status, test_mode)
       VALUES ($1, $2, $3, $4, $5, $6, 'Accepted before the upgrade', 'Still here.', $7, 'queued', false) RETURNING id`,
      [
        emailId,
        team.id,
        apiKey.id,
        domain.id,
        `shop@${domainName}`,
        ["buyer@receiver.test", "gone@receiver.test"],
        `<${emailId}@${domainName}>`
      ]
    )
    for (const recipient of ["buyer@receiver.test", "gone@receiver.test"]) {
      const delivery = await one<{ id: number }>(
        `INSERT INTO deliveries (email_id, team_id, recipient, kind, status) VALUES ($1, $2, $3, 'to', 'queued')
         RETURNING id`,
        [email.id, team.id, recipient]
      )
      await client.query(
        "INSERT INTO email_events (email_id, delivery_id, event_type, metadata) VALUES ($1, $2, 'queued', $3)",
        [email.id, delivery.id, { recipient }]
      )
    }
    await client.query(
      "INSERT INTO suppressions (team_id, email, reason, source_email_id) VALUES ($1, 'Gone@receiver.test', 'manual', NULL)",
      [team.id]
    )
    seeded.emailId = emailId
  }
  if (schema >= 7) {
    const inbound = await one<{ id: number }>(
      `INSERT INTO inbound_emails (team_id, domain_id, from_address, to_address, subject, text_body, authentication,
         raw_key)
       VALUES ($1, $2, 'customer@elsewhere.test', $3, 'A question from before', 'Hello?', '{"spf":"pass","dkim":"none","dmarc":"none"}', 'raw/old')
       RETURNING id`,
      [team.id, domain.id, `support@${domainName}`]
    )
    seeded.inboundId = Number(inbound.id)
  }
  if (schema >= 54) {
    await client.query(
      "INSERT INTO bulk_sending_hours (team_id, hour, claimed) VALUES ($1, date_trunc('hour', now()), 3)",
      [team.id]
    )
  }
  if (schema >= 66)
    await client.query(
      "INSERT INTO quota_holds (team_id, expires_at) VALUES ($1, now() + interval '5 minutes')",
      [team.id]
    )
  return seeded
}

const hookSettings = dispatcherSettings({
  retry: { baseDelayMs: 100, maxDelayMs: 400, windowMs: 10_000 },
  maxInFlight: 10
})

describe("upgrading a database that holds data, from each released schema", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let sink: SmtpSink
  let receiver: WebhookReceiver
  beforeAll(async () => {
    db = await createTestDatabase()
    sink = await startSmtpSink()
    receiver = await startWebhookReceiver()
  })
  afterAll(async () => {
    await receiver.close()
    await sink.close()
    await db.drop()
  })

  it("keeps every older release's rows usable once the current code has migrated the database", async () => {
    // One database walks through every release: after each migration it gets a team of its own,
    // written as that schema allowed; later migrations then run over all the older rows, as they
    // do over a real database that lived through each release. (A database per release point
    // would cost most of a second each to create, and migrate the same way.)
    const old = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(db.url), maxConnections: 2 }))
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    const teams: Array<Seeded & { readonly release: string }> = []
    try {
      for (const release of releases) {
        await old.runPromise(PgMigrations.migrateWith(upTo(release)))
        teams.push({ release, ...(await seed(client, numberOf(release), receiver)) })
      }
    } finally {
      await client.end()
      await old.dispose()
    }

    // The current code starts on it: the server migrates, and a worker of its own delivers.
    const server = await startTestServer({
      databaseUrl: db.url,
      webhooks: { allowLoopback: true, timeoutMs: 3_000 }
    })
    const worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, [
        ...jobs.filter((j) => j.name === "deliveries.live"),
        ...webhookJobs(Effect.succeed(hookSettings))
      ]).pipe(
        Layer.provide(
          testServices({
            relayUrl: `smtp://127.0.0.1:${sink.port}`,
            webhooks: { allowLoopback: true, timeoutMs: 3_000 }
          }).pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 3 })))
        )
      )
    )
    try {
      const applied = await query<{ n: number }>(
        db.url,
        "SELECT count(*)::int AS n FROM effect_sql_migrations"
      )
      expect(applied[0]?.n).toBe(releases.length)
      const caller = (key: string) => async (path: string) => {
        const res = await fetch(`${server.baseUrl}${path}`, { headers: { Authorization: `Bearer ${key}` } })
        return { status: res.status, body: (await res.json()) as Record<string, unknown> }
      }

      // Before any delivery: every key still authenticates, and its team's rows read back.
      const readBack = async (team: (typeof teams)[number]) => {
        const call = caller(team.key)
        const where = `rows from ${team.release}`
        const keys = await call("/api-keys")
        expect(keys.status, where).toBe(200)
        expect(keys.body.keys, where).toEqual([
          expect.objectContaining({ name: "old key", permission: "full_access" })
        ])
        const domains = await call("/domains")
        expect(domains.status, where).toBe(200)
        expect(JSON.stringify(domains.body), where).toContain(team.domainName)
        if (team.emailId !== undefined) {
          const email = await call(`/emails/${team.emailId}`)
          expect(email.status, where).toBe(200)
          expect(email.body.email, where).toMatchObject({
            subject: "Accepted before the upgrade",
            status: "queued"
          })
          expect(JSON.stringify((await call("/suppressions")).body), where).toContain("Gone@receiver.test")
        }
        if (team.webhook !== undefined) {
          expect(JSON.stringify((await call("/webhooks")).body), where).toContain(
            receiver.url(team.webhook.path)
          )
          const history = (await call(`/webhooks/${team.webhook.id}/deliveries?per_page=100`)).body
            .deliveries as Array<{ payload: { data: unknown } }>
          expect(
            history.map((d) => d.payload.data),
            where
          ).toEqual([{ email_id: "em_old" }])
        }
        if (team.inboundId !== undefined) {
          const inbound = await call(`/inbound/${team.inboundId}`)
          expect(inbound.status, `${where}: ${JSON.stringify(inbound.body)}`).toBe(200)
          expect(inbound.body.inboundEmail, where).toMatchObject({ subject: "A question from before" })
        }
      }
      await Promise.all(teams.map(readBack))

      // Each email accepted at an older schema is delivered, signed with the DKIM key sealed back
      // then; the recipient suppressed since is not sent to; the endpoint registered back then
      // hears of it, signed with its old secret.
      await worker.runPromise(Effect.void)
      const deliveredBack = async (team: (typeof teams)[number]) => {
        if (team.emailId === undefined) return
        const where = `email from ${team.release}`
        const call = caller(team.key)
        const delivered = await eventually(
          async () => (await call(`/emails/${team.emailId}`)).body.email as { status: string },
          (e) => e.status === "delivered",
          20_000
        )
        expect(delivered.status, where).toBe("delivered")
        const got = sink.received.filter((m) => m.raw.toString().includes(team.emailId ?? "-"))
        expect(
          got.map((m) => m.to),
          where
        ).toEqual([["buyer@receiver.test"]])
        const signature = /^DKIM-Signature:[\s\S]*?(?=^\S)/m.exec(got[0]?.raw.toString() ?? "")?.[0] ?? ""
        expect(signature, where).toContain(`d=${team.domainName};`)
        expect(signature, where).toContain("s=psupgrade;")
        const events = (await call(`/emails/${team.emailId}/events`)).body.events as Array<{
          eventType: string
          metadata: Record<string, unknown> | null
        }>
        // The suppressed copy is `failed` on the wire (the SDK's enum), saying why in its metadata.
        expect(events.map((e) => e.eventType).sort(), where).toEqual([
          "delivered",
          "failed",
          "queued",
          "queued",
          "sent"
        ])
        expect(events.find((e) => e.eventType === "failed")?.metadata, where).toMatchObject({
          suppressed: true
        })
        if (team.webhook === undefined) return
        const { path, secret } = team.webhook
        const hits = await eventually(
          () => receiver.at(path),
          (h) => h.length > 0,
          20_000
        )
        expect(
          hits.map((h) => JSON.parse(h.body) as unknown),
          where
        ).toEqual([
          expect.objectContaining({
            type: "email.delivered",
            data: expect.objectContaining({ email_id: team.emailId })
          })
        ])
        expect(
          verifyPostStackSignature(
            hits[0]?.body ?? "",
            String(hits[0]?.headers["x-poststack-signature"]),
            secret
          ),
          where
        ).toBe(true)
      }
      await Promise.all(teams.map(deliveredBack))
    } finally {
      await worker.dispose()
      await server.close()
    }
  }, 120_000)
})
