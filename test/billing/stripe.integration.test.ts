import { StripeBillingGateway } from "@poststack/adapters-external"
import { BillingGateway, ReportOverage, SavePlan, SubscriptionRepository } from "@poststack/application"
import { Plan, PlanId, type TeamId } from "@poststack/domain"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { createTestDatabase, insertTeamWithKey, query } from "../support/database.js"
import { type FakeStripe, startFakeStripe } from "../support/fakeStripe.js"
import { startTestServer, type TestServer } from "../support/server.js"
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

describe("Stripe billing against a fake Stripe", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let stripe: FakeStripe
  let server: TestServer
  let operator: OperatorRuntime
  let owner: string
  let teamId: TeamId

  const stripeOptions = () => ({
    secretKey: Redacted.make(stripe.secretKey),
    webhookSecret: Redacted.make(stripe.webhookSecret),
    apiUrl: stripe.url,
    overageMeter: "poststack_overage_emails",
    timeoutMs: 5_000
  })
  const api = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  /** Posts an event to the webhook route as Stripe does: the raw JSON, signed. */
  const deliver = async (
    event: Record<string, unknown>,
    sign: (payload: string) => string = (p) => stripe.sign(p)
  ) => {
    const payload = JSON.stringify(event)
    const res = await fetch(`${server.baseUrl}/billing/stripe/webhook`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Stripe-Signature": sign(payload) },
      body: payload
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const billing = () =>
    run(
      operator,
      Effect.flatMap(SubscriptionRepository, (s) => s.billingOf(teamId))
    )
  const subscription = (id: string, customer: string, price: string, status: string) => ({
    id,
    object: "subscription",
    customer,
    status,
    items: {
      object: "list",
      data: [{ id: `si_${id}`, object: "subscription_item", price: { id: price, object: "price" } }]
    }
  })

  beforeAll(async () => {
    db = await createTestDatabase()
    stripe = await startFakeStripe()
    server = await startTestServer({
      databaseUrl: db.url,
      stripe: stripeOptions(),
      systemFrom: "PostStack <system@poststack.test>"
    })
    const systemKey = (await server.bootstrap()) ?? ""
    operator = operatorRuntime(db.url)
    await localDomain(operator, server.baseUrl, systemKey, 1 as TeamId, "poststack.test")
    owner = await insertTeamWithKey(db.url, "customer")
    const [row] = await query<{ id: number }>(db.url, "SELECT id FROM teams WHERE name = 'customer'")
    teamId = row?.id as TeamId
    await query(
      db.url,
      "INSERT INTO users (id, email, name, email_verified_at) VALUES ('usr_' || substr(md5(random()::text), 1, 24), 'owner@customer.test', 'Owner', now())"
    )
    await query(
      db.url,
      "INSERT INTO memberships (team_id, user_id, role) SELECT $1, id, 'owner' FROM users WHERE email = 'owner@customer.test'",
      [teamId]
    )
    await run(
      operator,
      SavePlan(plan("pro", { monthlyLimit: 50_000, overageCentsPer1000: 90, stripePriceId: "price_pro" }))
    )
    await run(
      operator,
      SavePlan(
        plan("scale", { monthlyLimit: 200_000, overageCentsPer1000: 60, stripePriceId: "price_scale" })
      )
    )
  })
  afterAll(async () => {
    await operator.dispose()
    await server.close()
    await stripe.close()
    await db.drop()
  })

  it("opens Checkout for a plan with a Stripe customer made once per team, and the Portal for the same customer", async () => {
    const checkout = await api(owner, "POST", "/billing/checkout", { plan: "pro" })
    expect(checkout.status).toBe(200)
    expect(checkout.body.url).toMatch(
      /^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_\w+\?price=price_pro$/
    )
    const again = await api(owner, "POST", "/billing/checkout", { plan: "scale" })
    expect(again.status).toBe(200)
    const customers = stripe.calls.filter((c) => c.path === "/v1/customers")
    expect(customers).toHaveLength(1)
    expect(customers[0]?.form.get("metadata[poststack_team_id]")).toBe(String(teamId))
    const sessions = stripe.calls.filter((c) => c.path === "/v1/checkout/sessions")
    expect(
      sessions.map((s) => [
        s.form.get("mode"),
        s.form.get("client_reference_id"),
        s.form.get("line_items[0][price]")
      ])
    ).toEqual([
      ["subscription", String(teamId), "price_pro"],
      ["subscription", String(teamId), "price_scale"]
    ])
    expect(sessions[0]?.form.get("success_url")).toBe(
      "http://dashboard.poststack.test/app/billing?checkout=done"
    )
    const customerId = (await billing()).customerId
    expect(customerId).toMatch(/^cus_/)
    const portal = await api(owner, "POST", "/billing/portal")
    expect(portal).toEqual({
      status: 200,
      body: { url: `https://billing.stripe.test/p/session/${customerId}` }
    })
  })

  it("refuses unknown plans and plans Stripe does not sell, with nothing sent to Stripe", async () => {
    const before = stripe.calls.length
    expect(await api(owner, "POST", "/billing/checkout", { plan: "platinum" })).toMatchObject({
      status: 404,
      body: { error: "Plan not found: platinum", code: "not_found" }
    })
    expect(await api(owner, "POST", "/billing/checkout", { plan: "unlimited" })).toMatchObject({
      status: 422,
      body: { code: "unprocessable_entity" }
    })
    expect(await api(owner, "POST", "/billing/checkout", { plan: "Not A Plan!" })).toMatchObject({
      status: 400,
      body: { code: "invalid_request" }
    })
    expect(stripe.calls.length).toBe(before)
  })

  it("drives a subscription's life through signed webhooks: checkout, invoice, failed payment with a notice and grace, upgrade, cancel", async () => {
    const customer = (await billing()).customerId ?? ""
    const t0 = Date.now() - 60_000
    const at = (s: number) => new Date(t0 + s * 1000)
    expect(
      await deliver(
        stripe.event(
          "checkout.session.completed",
          {
            id: "cs_1",
            object: "checkout.session",
            customer,
            subscription: "sub_1",
            client_reference_id: String(teamId)
          },
          at(1)
        )
      )
    ).toEqual({ status: 200, body: { received: true } })
    expect(
      (
        await deliver(
          stripe.event(
            "customer.subscription.created",
            subscription("sub_1", customer, "price_pro", "active"),
            at(2)
          )
        )
      ).status
    ).toBe(200)
    expect(await billing()).toMatchObject({ planId: "pro", status: "active", subscriptionId: "sub_1" })
    expect((await api(owner, "GET", "/billing/usage")).body).toMatchObject({
      plan: { id: "pro", monthlyLimit: 50_000 },
      status: "active",
      billingEnabled: true,
      hasCustomer: true
    })

    await deliver(
      stripe.event(
        "invoice.paid",
        { id: "in_1", object: "invoice", customer, amount_paid: 2000, currency: "eur" },
        at(3)
      )
    )
    const failed = stripe.event(
      "invoice.payment_failed",
      { id: "in_2", object: "invoice", customer, amount_due: 2000, currency: "eur" },
      at(4)
    )
    expect((await deliver(failed)).status).toBe(200)
    const afterFailure = await billing()
    expect(afterFailure.status).toBe("past_due")
    const grace = afterFailure.graceUntil?.getTime() ?? 0
    expect(grace - Date.now()).toBeGreaterThan(6.9 * 86_400_000)
    expect(grace - Date.now()).toBeLessThan(7.1 * 86_400_000)
    // Still in grace: the team sends (no domain here, so the refusal is the domain's, not the plan's).
    const usage = await api(owner, "GET", "/billing/usage")
    expect(usage.body).toMatchObject({ status: "past_due", suspended: false })
    // The billing notice (P18) went to the owner through system mail.
    const notices = await query<{ to: string[]; subject: string; system: boolean }>(
      db.url,
      "SELECT to_addresses AS to, subject, system FROM emails WHERE subject LIKE 'Payment failed%'"
    )
    expect(notices).toEqual([
      { to: ["owner@customer.test"], subject: "Payment failed for customer on PostStack", system: true }
    ])
    // Stripe retries a delivery: the same event again changes nothing and mails nothing.
    expect((await deliver(failed)).status).toBe(200)
    expect((await query(db.url, "SELECT 1 FROM emails WHERE subject LIKE 'Payment failed%'")).length).toBe(1)

    // Upgrade: the paid invoice ends the grace, the new price moves the team to its plan.
    await deliver(
      stripe.event(
        "invoice.paid",
        { id: "in_3", object: "invoice", customer, amount_paid: 2000, currency: "eur" },
        at(5)
      )
    )
    await deliver(
      stripe.event(
        "customer.subscription.updated",
        subscription("sub_1", customer, "price_scale", "active"),
        at(6)
      )
    )
    expect(await billing()).toMatchObject({ planId: "scale", status: "active", graceUntil: null })
    // An older update arriving late does not undo the newer one.
    await deliver(
      stripe.event(
        "customer.subscription.updated",
        subscription("sub_1", customer, "price_pro", "active"),
        at(4)
      )
    )
    expect((await billing()).planId).toBe("scale")

    await deliver(
      stripe.event(
        "customer.subscription.deleted",
        { ...subscription("sub_1", customer, "price_scale", "canceled") },
        at(7)
      )
    )
    expect(await billing()).toMatchObject({ planId: "unlimited", status: "canceled", subscriptionId: null })

    // Every step is a billing record (P27), kept with its Stripe event id.
    const records = await query<{ kind: string; event_id: string | null; amount_cents: string | null }>(
      db.url,
      "SELECT kind, event_id, amount_cents FROM billing_records WHERE team_id = $1 ORDER BY id",
      [teamId]
    )
    expect(records.map((r) => r.kind)).toEqual([
      "checkout_completed",
      "checkout_completed",
      "subscription_changed",
      "invoice_paid",
      "payment_failed",
      "invoice_paid",
      "subscription_changed",
      "subscription_changed",
      "subscription_ended"
    ])
    // Each change Stripe made is in the team's audit log once (the stale update is not), with no actor.
    const audit = await api(owner, "GET", "/audit-log?action=billing.subscription_changed&per_page=100")
    expect(audit.status).toBe(200)
    const entries = audit.body.data as Array<{ actor: unknown; details: { status: string; source: string } }>
    expect(entries.map((e) => e.details.status)).toEqual(["canceled", "active", "past_due", "active"])
    expect(entries.every((e) => e.actor === null && e.details.source === "stripe")).toBe(true)
    const checkouts = await api(owner, "GET", "/audit-log?action=billing.checkout_started&per_page=100")
    expect((checkouts.body.data as Array<{ target: { id: string } }>).map((e) => e.target.id)).toContain(
      "pro"
    )
  })

  it("answers a forged, stale or future-dated signature with 400 invalid_signature and changes nothing", async () => {
    const customer = (await billing()).customerId ?? ""
    const upgrade = stripe.event(
      "customer.subscription.created",
      subscription("sub_2", customer, "price_pro", "active")
    )
    const before = await query(db.url, "SELECT count(*) FROM billing_records")
    const forged = await deliver(upgrade, (p) => stripe.sign(p, undefined, "whsec_not_the_secret"))
    expect(forged).toEqual({
      status: 400,
      body: { error: "Invalid Stripe signature", code: "invalid_signature" }
    })
    const replayedLate = await deliver(upgrade, (p) => stripe.sign(p, Math.floor(Date.now() / 1000) - 3600))
    expect(replayedLate.status).toBe(400)
    // Dated an hour ahead: it would otherwise stay good for an hour and five minutes.
    const datedAhead = await deliver(upgrade, (p) => stripe.sign(p, Math.floor(Date.now() / 1000) + 3600))
    expect(datedAhead.status).toBe(400)
    expect(datedAhead.body).toMatchObject({ code: "invalid_signature" })
    const unsigned = await fetch(`${server.baseUrl}/billing/stripe/webhook`, {
      method: "POST",
      body: JSON.stringify(upgrade)
    })
    expect(unsigned.status).toBe(400)
    // A body altered after signing.
    const payload = JSON.stringify(upgrade)
    const altered = await fetch(`${server.baseUrl}/billing/stripe/webhook`, {
      method: "POST",
      headers: { "Stripe-Signature": stripe.sign(payload) },
      body: payload.replace("price_pro", "price_scale")
    })
    expect(altered.status).toBe(400)
    expect(await query(db.url, "SELECT count(*) FROM billing_records")).toEqual(before)
    expect((await billing()).planId).toBe("unlimited")
  })

  it("answers a correctly signed body that is not a Stripe event with 400, never a 5xx, and changes nothing", async () => {
    const customer = (await billing()).customerId ?? ""
    const before = await query(db.url, "SELECT count(*) FROM billing_records")
    const post = async (payload: string) => {
      const res = await fetch(`${server.baseUrl}/billing/stripe/webhook`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Stripe-Signature": stripe.sign(payload) },
        body: payload
      })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }
    const valid = stripe.event(
      "customer.subscription.updated",
      subscription("sub_9", customer, "price_pro", "active")
    )
    const payloads = [
      "{}",
      "[]",
      "null",
      JSON.stringify({ ...valid, data: null }),
      JSON.stringify({ ...valid, data: {} }),
      JSON.stringify({ ...valid, created: undefined }),
      JSON.stringify({ ...valid, created: 1e300 }),
      JSON.stringify({ ...valid, id: 12 }),
      JSON.stringify({
        ...valid,
        data: {
          object: { ...subscription("sub_9", customer, "price_pro", "active"), status: { toString: 1 } }
        }
      }),
      JSON.stringify({
        ...valid,
        data: {
          object: {
            ...subscription("sub_9", customer, "price_pro", "active"),
            customer: { id: { toString: 1 } }
          }
        }
      }),
      JSON.stringify({
        ...valid,
        data: { object: { ...subscription("sub_9", `${customer}\u0000`, "price_pro", "active") } }
      }),
      JSON.stringify(
        stripe.event("checkout.session.completed", { customer, client_reference_id: { toString: 1 } })
      )
    ]
    for (const payload of payloads) {
      const res = await post(payload)
      expect({ payload, status: res.status, code: res.body.code }).toEqual({
        payload,
        status: 400,
        code: "invalid_signature"
      })
      expect(res.body.error).toMatch(/Stripe event/)
    }
    // Signed but not JSON: the signature was good, so the answer says what is wrong instead.
    expect(await post('{"id": "evt_1", ')).toEqual({
      status: 400,
      body: { error: "the signed body is not JSON", code: "invalid_signature" }
    })
    expect(await query(db.url, "SELECT count(*) FROM billing_records")).toEqual(before)
  })

  it("reports last month's overage to a Stripe meter once, even when the report is retried", async () => {
    const [other] = await query<{ id: number }>(
      db.url,
      "INSERT INTO teams (name) VALUES ('metered') RETURNING id"
    )
    const metered = other?.id as TeamId
    await run(
      operator,
      Effect.flatMap(SubscriptionRepository, (s) =>
        s.apply(metered, {
          record: {
            kind: "plan_changed",
            eventId: null,
            planId: "pro",
            amountCents: null,
            currency: null,
            detail: {},
            createdAt: new Date()
          },
          occurredAt: null,
          planId: PlanId.make("pro"),
          customerId: "cus_metered"
        })
      )
    )
    // Last month: 50,000 included, 51,234 accepted.
    const lastMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 10))
    await query(
      db.url,
      "INSERT INTO usage_daily (team_id, day, test_mode, metric, count) VALUES ($1, $2, false, 'accepted', 51234), ($1, $2, true, 'accepted', 999)",
      [metered, lastMonth.toISOString().slice(0, 10)]
    )
    const gateway = StripeBillingGateway.layer(stripeOptions())
    const worker = ManagedRuntime.make(
      Layer.mergeAll(PgPersistence, gateway).pipe(
        Layer.provideMerge(PgDatabase.layer(Redacted.make(db.url), { maxConnections: 2 }))
      )
    )
    try {
      stripe.failing = true
      expect(await worker.runPromise(ReportOverage())).toEqual([])
      stripe.failing = false
      expect(await worker.runPromise(ReportOverage())).toEqual([metered])
      expect(await worker.runPromise(ReportOverage())).toEqual([])
      // The provider call itself is idempotent: a retried call with the same report id bills once.
      await worker.runPromise(
        Effect.flatMap(BillingGateway, (g) =>
          g.reportOverage({
            customerId: "cus_metered",
            quantity: 1234,
            reportId: `overage-${metered}-${lastMonth.toISOString().slice(0, 7)}`,
            at: new Date()
          })
        )
      )
    } finally {
      await worker.dispose()
    }
    expect([...stripe.meterEvents.values()]).toEqual([
      { customer: "cus_metered", value: "1234", eventName: "poststack_overage_emails" }
    ])
    const records = await query<{ kind: string; amount_cents: string }>(
      db.url,
      "SELECT kind, amount_cents FROM billing_records WHERE team_id = $1 AND kind = 'overage_reported'",
      [metered]
    )
    // 1,234 emails at 90 cents per 1,000.
    expect(records).toEqual([{ kind: "overage_reported", amount_cents: "112" }])
  })
})
