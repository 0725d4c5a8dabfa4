import { PgDatabase } from "@poststack/adapters-persistence"
import { AssignPlan, type PeriodicTask, SavePlan, SubscriptionRepository } from "@poststack/application"
import { Plan, PlanId, type TeamId } from "@poststack/domain"
import { jobs, WorkerLive } from "@poststack/runtime"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { startTestServer, type TestServer, testServices } from "../support/server.js"
import { type SmtpSink, startSmtpSink } from "../support/smtpSink.js"
import { localDomain, type OperatorRuntime, operatorRuntime, run } from "./support.js"

const plan = (id: string, fields: Partial<ConstructorParameters<typeof Plan>[0]> = {}) =>
  Plan.make({
    id: PlanId.make(id),
    name: id,
    monthlyLimit: null,
    dailyLimit: null,
    retentionDays: 30,
    overageCentsPer1000: null,
    stripePriceId: null,
    ...fields
  })

const noTasks: ReadonlyArray<PeriodicTask<never, never>> = []

describe("plans and quotas over HTTP", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let sink: SmtpSink
  let server: TestServer
  let operator: OperatorRuntime

  /** A new team with a live key, a test key and a verified domain of its own. */
  const newTeam = async (name: string) => {
    const live = await insertTeamWithKey(db.url, name)
    const [row] = await query<{ id: number }>(db.url, "SELECT id FROM teams WHERE name = $1", [name])
    const teamId = row?.id as TeamId
    await localDomain(operator, server.baseUrl, live, teamId, `${name}.test`)
    const created = await api(live, "POST", "/api-keys", {
      name: "test",
      mode: "test",
      permission: "sending_access"
    })
    return { teamId, live, test: created.body.key as string, from: `hello@${name}.test` }
  }
  const api = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return {
      status: res.status,
      retryAfter: res.headers.get("retry-after"),
      body: (await res.json()) as Record<string, unknown>
    }
  }
  const send = (key: string, from: string, to = "someone@receiver.test") =>
    api(key, "POST", "/emails", { from, to, subject: "Hi", text: "Hello" })

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    sink = await startSmtpSink()
    server = await startTestServer({
      databaseUrl: db.url,
      dnsServers: [dns.address],
      rateLimit: { limit: 10_000, windowMs: 1000 }
    })
    await server.bootstrap()
    operator = operatorRuntime(db.url)
    dns.publish("receiver.test", "MX", "mx.receiver.test")
    dns.publish("mx.receiver.test", "A", "127.0.0.1")
  })
  afterAll(async () => {
    await operator.dispose()
    await server.close()
    await sink.close()
    await dns.close()
    await db.drop()
  })

  it("without any plan configured a team is on the unlimited plan with 30-day retention, and sends freely", async () => {
    const team = await newTeam("free-for-all")
    for (let i = 0; i < 5; i++) expect((await send(team.live, team.from)).status).toBe(202)
    const usage = await api(team.live, "GET", "/billing/usage?days=3")
    expect(usage.status).toBe(200)
    expect(usage.body).toMatchObject({
      plan: { id: "unlimited", monthlyLimit: null, dailyLimit: null, retentionDays: 30, purchasable: false },
      status: "none",
      suspended: false,
      billingEnabled: false,
      today: 5,
      month: 5,
      overage: 0
    })
    const days = usage.body.days as Array<Record<string, unknown>>
    expect(days).toHaveLength(3)
    expect(days[2]).toMatchObject({ day: new Date().toISOString().slice(0, 10), accepted: 5 })
    // Billing's own routes say billing is off, in their own words.
    expect(await api(team.live, "POST", "/billing/portal")).toMatchObject({
      status: 503,
      body: { code: "billing_not_configured" }
    })
  })

  it("refuses past the daily limit with 429 daily_limit_exceeded and no Retry-After; test sends are counted apart and never refused", async () => {
    const team = await newTeam("daily")
    await run(operator, SavePlan(plan("small", { dailyLimit: 3, monthlyLimit: 100 })))
    await run(operator, AssignPlan(team.teamId, PlanId.make("small")))
    // The operator's change is in the team's audit log.
    const audit = await api(team.live, "GET", "/audit-log?action=billing.plan_changed")
    expect(audit.body.data).toEqual([
      expect.objectContaining({
        action: "billing.plan_changed",
        actor: { kind: "operator", id: null },
        target: { type: "plan", id: "small" }
      })
    ])
    for (let i = 0; i < 3; i++) expect((await send(team.live, team.from)).status).toBe(202)
    const refused = await send(team.live, team.from)
    expect(refused.status).toBe(429)
    expect(refused.retryAfter).toBeNull()
    expect(refused.body).toEqual({
      error: "Daily email limit of 3 reached for the small plan",
      code: "daily_limit_exceeded"
    })
    for (let i = 0; i < 4; i++) expect((await send(team.test, team.from)).status).toBe(202)
    const usage = await api(team.live, "GET", "/billing/usage?days=1")
    expect(usage.body).toMatchObject({ plan: { id: "small", dailyLimit: 3 }, today: 3, month: 3 })
    expect((usage.body.days as Array<{ accepted: number; test: { accepted: number } }>)[0]).toMatchObject({
      accepted: 3,
      test: { accepted: 4 }
    })
    // Nothing of the refused send was written.
    const [emails] = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM emails WHERE team_id = $1 AND NOT test_mode",
      [team.teamId]
    )
    expect(emails?.n).toBe(3)
  })

  it("answers a retry of an accepted email with its first answer even once the team is over its limit, counting it once", async () => {
    const team = await newTeam("retries")
    await run(operator, SavePlan(plan("pair", { dailyLimit: 2, monthlyLimit: 100 })))
    await run(operator, AssignPlan(team.teamId, PlanId.make("pair")))
    const keyed = async (key: string, to = "someone@receiver.test") => {
      const res = await fetch(`${server.baseUrl}/emails`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${team.live}`,
          "Content-Type": "application/json",
          "Idempotency-Key": key
        },
        body: JSON.stringify({ from: team.from, to, subject: "Hi", text: "Hello" })
      })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }
    // Two first tries of one email race: one email stored, one place used (else order-2 is refused).
    const racing = await Promise.all(Array.from({ length: 2 }, () => keyed("order-1")))
    expect(racing.map((r) => r.status)).toEqual([202, 202])
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1)
    const second = await keyed("order-2")
    expect(second.status).toBe(202)
    // The limit is reached: a new email is refused, a retry of an accepted one is not.
    expect((await keyed("order-3")).body.code).toBe("daily_limit_exceeded")
    expect(await keyed("order-1")).toEqual({ status: 202, body: { id: racing[0]?.body.id, replayed: true } })
    expect(await keyed("order-2")).toEqual({ status: 202, body: { id: second.body.id, replayed: true } })
    const bodyKeyed = await api(team.live, "POST", "/emails", {
      from: team.from,
      to: "someone@receiver.test",
      subject: "Hi",
      text: "Hello",
      idempotency_key: "order-2"
    })
    expect(bodyKeyed.body.code).toBe("daily_limit_exceeded")
    // Reusing the key for another email is still refused as such, not replayed.
    const reused = await keyed("order-1", "other@receiver.test")
    expect([reused.status, reused.body.code]).toEqual([422, "unprocessable_entity"])
    const usage = await api(team.live, "GET", "/billing/usage?days=1")
    expect(usage.body).toMatchObject({ today: 2, month: 2 })
    const [emails] = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM emails WHERE team_id = $1",
      [team.teamId]
    )
    expect(emails?.n).toBe(2)
  })

  it("in a batch, refuses element by element once the monthly limit is reached, counting the batch's own emails", async () => {
    const team = await newTeam("monthly")
    await run(operator, SavePlan(plan("tiny", { monthlyLimit: 4 })))
    await run(operator, AssignPlan(team.teamId, PlanId.make("tiny")))
    expect((await send(team.live, team.from)).status).toBe(202)
    const batch = await api(team.live, "POST", "/emails/batch", {
      emails: Array.from({ length: 6 }, (_, i) => ({
        from: team.from,
        to: `r${i}@receiver.test`,
        subject: "B",
        text: "x"
      }))
    })
    expect(batch.status).toBe(202)
    const data = batch.body.data as Array<Record<string, unknown>>
    expect(data.filter((d) => typeof d.id === "string")).toHaveLength(3)
    expect(data.filter((d) => d.code === "monthly_limit_exceeded")).toHaveLength(3)
    expect(data.find((d) => d.code !== undefined)).toEqual({
      error: "Monthly email limit of 4 reached for the tiny plan",
      code: "monthly_limit_exceeded"
    })
    const [emails] = await query<{ n: number }>(
      db.url,
      "SELECT count(*)::int AS n FROM emails WHERE team_id = $1",
      [team.teamId]
    )
    expect(emails?.n).toBe(4)
    // A plan billing overage lets the month go past its limit.
    await run(operator, SavePlan(plan("tiny", { monthlyLimit: 4, overageCentsPer1000: 80 })))
    expect((await send(team.live, team.from)).status).toBe(202)
    expect((await api(team.live, "GET", "/billing/usage")).body).toMatchObject({ month: 5, overage: 1 })
  })

  it("refuses every send with send_limit_exceeded once a failed payment's grace period is over", async () => {
    const team = await newTeam("unpaid")
    const past = new Date(Date.now() - 60_000)
    await run(
      operator,
      Effect.flatMap(SubscriptionRepository, (s) =>
        s.apply(team.teamId, {
          record: {
            kind: "payment_failed",
            eventId: null,
            planId: null,
            amountCents: 900,
            currency: "eur",
            detail: {},
            createdAt: past
          },
          occurredAt: past,
          status: "past_due",
          graceUntil: past
        })
      )
    )
    const refused = await send(team.live, team.from)
    expect(refused).toMatchObject({ status: 429, retryAfter: null, body: { code: "send_limit_exceeded" } })
    expect((await api(team.live, "GET", "/billing/usage")).body).toMatchObject({
      status: "past_due",
      suspended: true
    })
    // Test mode is never billed, so never held.
    expect((await send(team.test, team.from)).status).toBe(202)
  })

  it("counts sent, delivered and bounced per day from the delivery events, test mode apart", async () => {
    const team = await newTeam("outcomes")
    sink.replies.set("gone@receiver.test", "550 5.1.1 no such user")
    for (const to of ["a@receiver.test", "b@receiver.test", "gone@receiver.test"])
      expect((await send(team.live, team.from, to)).status).toBe(202)
    for (let i = 0; i < 2; i++) expect((await send(team.test, team.from)).status).toBe(202)
    const worker = ManagedRuntime.make(
      WorkerLive.layer(noTasks, jobs).pipe(
        Layer.provide(
          testServices({ dnsServers: [dns.address], mxPort: sink.port, allowPrivateMx: true }).pipe(
            Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 4 }))
          )
        )
      )
    )
    await worker.runPromise(Effect.void)
    try {
      const deadline = Date.now() + 20_000
      for (;;) {
        const usage = await api(team.live, "GET", "/billing/usage?days=1")
        const day = (usage.body.days as Array<Record<string, unknown>>)[0]
        if (
          JSON.stringify(day) ===
          JSON.stringify({
            day: new Date().toISOString().slice(0, 10),
            accepted: 3,
            sent: 2,
            delivered: 2,
            bounced: 1,
            test: { accepted: 2, sent: 2, delivered: 2, bounced: 0 }
          })
        )
          break
        if (Date.now() > deadline) throw new Error(`usage never settled: ${JSON.stringify(day)}`)
        await new Promise((r) => setTimeout(r, 200))
      }
    } finally {
      await worker.dispose()
    }
  }, 30_000)

  it("keeps teams apart: another team's usage is not counted, and a sending key may not read billing", async () => {
    const a = await newTeam("apart-a")
    const b = await newTeam("apart-b")
    expect((await send(a.live, a.from)).status).toBe(202)
    expect((await api(b.live, "GET", "/billing/usage")).body).toMatchObject({ today: 0, month: 0 })
    const sending = await api(b.live, "POST", "/api-keys", { name: "s", permission: "sending_access" })
    expect((await api(sending.body.key as string, "GET", "/billing/usage")).status).toBe(403)
  })
})
