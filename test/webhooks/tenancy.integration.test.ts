import { PgDatabase } from "@poststack/adapters-persistence"
import { WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { addVerifiedDomain } from "../support/domains.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import {
  eventually,
  type ReceivedWebhook,
  startWebhookReceiver,
  type WebhookReceiver
} from "../support/webhookReceiver.js"
import { dispatcherSettings, noTasks, testModeAndWebhookJobs } from "../support/webhookWorker.js"
import { callApi } from "../support/api.js"

const settings = dispatcherSettings({
  retry: { baseDelayMs: 100, maxDelayMs: 400, windowMs: 10_000 },
  perEndpoint: 8
})
const BULK = 25

interface Envelope {
  readonly id: string
  readonly type: string
  readonly data: Record<string, unknown>
}

describe("webhooks of two teams through the real dispatcher", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let server: TestServer
  let receiver: WebhookReceiver
  let worker: ManagedRuntime.ManagedRuntime<never, unknown>

  const call = (key: string, method: string, path: string, body?: unknown) =>
    callApi(server.baseUrl, key, method, path, body)
  const envelopes = (hits: ReadonlyArray<ReceivedWebhook>) => hits.map((h) => JSON.parse(h.body) as Envelope)

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    receiver = await startWebhookReceiver()
    server = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      webhooks: { allowLoopback: true, timeoutMs: 3000 }
    })
    const services = testServices({
      dnsServers: [dns.address],
      webhooks: { allowLoopback: true, timeoutMs: 3000 }
    }).pipe(Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 })))
    worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, testModeAndWebhookJobs(settings)).pipe(Layer.provide(services))
    )
  })
  afterAll(async () => {
    await worker.dispose()
    await server.close()
    await receiver.close()
    await dns.close()
    await db.drop()
  })

  it("delivers each team's events to its own endpoints only, never to the other team's", async () => {
    const teams = [
      { name: "alpha", key: (await server.bootstrap()) ?? "", domain: "alpha-hooks.test" },
      { name: "beta", key: await insertTeamWithKey(db.url, "beta"), domain: "beta-hooks.test" }
    ]
    const seen = new Map<string, { readonly emailIds: Array<string>; readonly teamId: number }>()
    for (const team of teams) {
      // Every team listens to everything, on two endpoints; the second endpoint is the same URL
      // path shape, so only the team decides where an event goes.
      for (const path of [`/${team.name}/all`, `/${team.name}/also`]) {
        const created = await call(team.key, "POST", "/webhooks", { url: receiver.url(path), events: ["*"] })
        expect(created.status).toBe(201)
      }
      await addVerifiedDomain(server.baseUrl, team.key, dns, team.domain)
      const [row] = await query<{ team_id: number }>(db.url, "SELECT team_id FROM domains WHERE name = $1", [
        team.domain
      ])
      seen.set(team.name, { emailIds: [], teamId: row?.team_id ?? 0 })
    }
    expect(new Set([...seen.values()].map((t) => t.teamId)).size).toBe(2)
    await worker.runPromise(Effect.void)

    // Both teams send at once: test-mode email (queued, sent, delivered each) through the API,
    // and a burst of outbox events from both teams written by ten connections at once, so the
    // two teams' events interleave in the outbox and in every claim.
    const pool = new pg.Pool({ connectionString: db.url, max: 10 })
    await Promise.all([
      ...teams.map(async (team) => {
        const testKey = String(
          (
            await call(team.key, "POST", "/api-keys", {
              name: "t",
              permission: "sending_access",
              mode: "test"
            })
          ).body.key
        )
        for (let i = 0; i < 3; i++) {
          const sent = await call(testKey, "POST", "/emails", {
            from: `Shop <shop@${team.domain}>`,
            to: [`buyer${i}@${team.name}-customers.test`],
            subject: `${team.name} order ${i}`,
            text: "Thanks"
          })
          expect(sent.status).toBe(202)
          seen.get(team.name)?.emailIds.push(String(sent.body.id))
        }
      }),
      ...Array.from({ length: 10 }, async (_, c) => {
        for (let i = c; i < BULK * 2; i += 10) {
          const team = teams[i % 2]?.name ?? ""
          await pool.query("INSERT INTO events (team_id, type, payload) VALUES ($1, 'bulk.event', $2)", [
            seen.get(team)?.teamId,
            { team, n: i }
          ])
        }
      })
    ])
    await pool.end()

    // Each endpoint gets its own team's domain event, 3 x 3 email events and its bulk events.
    const expected = 1 + 9 + BULK
    for (const team of teams)
      for (const path of [`/${team.name}/all`, `/${team.name}/also`])
        await eventually(
          () => receiver.at(path),
          (hits) => hits.length >= expected,
          30_000
        )
    // Time for anything misrouted to arrive too.
    await new Promise((r) => setTimeout(r, 1_000))

    for (const team of teams) {
      const own = seen.get(team.name)
      const other = teams.find((t) => t !== team)
      const theirs = seen.get(other?.name ?? "")
      for (const path of [`/${team.name}/all`, `/${team.name}/also`]) {
        const got = envelopes(receiver.at(path))
        const where = `${team.name}'s endpoint ${path}`
        expect(got.length, where).toBe(expected)
        expect(new Set(got.map((e) => e.id)).size, `${where}: each event once`).toBe(expected)
        // Nothing of the other team: not its domain, its emails, nor its outbox events.
        const text = JSON.stringify(got)
        expect(text, where).not.toContain(other?.domain)
        for (const id of theirs?.emailIds ?? []) expect(text, where).not.toContain(id)
        expect(
          got.filter((e) => e.type === "bulk.event").map((e) => e.data.team),
          where
        ).toEqual(Array.from({ length: BULK }, () => team.name))
        // And everything of its own.
        expect(
          got.filter((e) => e.type === "domain.verified"),
          where
        ).toHaveLength(1)
        expect(text, where).toContain(team.domain)
        expect(
          [...new Set(got.filter((e) => e.type.startsWith("email.")).map((e) => e.data.email_id))].sort(),
          where
        ).toEqual([...(own?.emailIds ?? [])].sort())
      }
    }
    // Nothing else was received by any endpoint.
    expect(receiver.received.length).toBe(teams.length * 2 * expected)
  }, 90_000)
})
