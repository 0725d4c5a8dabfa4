import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { periodicTasks } from "@poststack/runtime"
import { Effect, Layer, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { query } from "../support/database.js"
import { eventually } from "../support/webhookReceiver.js"
import { type Harness, htmlOf, startHarness, UA, urlsIn } from "../tracking/harness.js"

describe("engagement segments from real opens and clicks", () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness("engage.test")
    const patched = await h.call("PATCH", `/domains/${h.domainId}`, {
      open_tracking: true,
      click_tracking: true,
      tracking_domain: null
    })
    expect(patched.status).toBe(200)
  })
  afterAll(async () => {
    await h.close()
  })

  const segment = async (name: string) => {
    const res = await h.call("GET", `/contacts?engagement_segment=${name}`)
    expect(res.status).toBe(200)
    return (res.body.data as Array<{ email: string }>).map((c) => c.email).sort()
  }

  const preview = async (field: string) => {
    const rules = {
      operator: "and",
      conditions: [{ field, comparator: "greater_than_or_equal", value: "1", windowDays: 7 }]
    }
    const res = await h.call("POST", "/segments/preview", { rules })
    expect(res.status).toBe(200)
    return res.body.count
  }

  it("the worker's hourly task moves a contact who clicked to active, and the list filter finds it", async () => {
    for (const email of ["Alice@receiver.test", "bob@receiver.test", "carol@receiver.test"])
      expect((await h.call("POST", "/contacts", { email })).status).toBe(201)
    await h.send(["alice@receiver.test", "bob@receiver.test"])
    const alice = await htmlOf(await h.received("alice@receiver.test", "Spring sale"))
    const bob = await htmlOf(await h.received("bob@receiver.test", "Spring sale"))
    const link = urlsIn(alice, "href").find((u) => u.includes("/t/c/")) ?? ""
    expect((await fetch(link, { redirect: "manual", headers: { "User-Agent": UA.chrome } })).status).toBe(302)
    // Bob's open comes from Google's image proxy: a prefetch, not Bob.
    const pixel = urlsIn(bob, "src").find((u) => u.includes("/t/o/")) ?? ""
    expect((await fetch(pixel, { headers: { "User-Agent": UA.googleProxy } })).status).toBe(200)
    await eventually(
      () =>
        query<{ n: number }>(
          h.db.url,
          "SELECT count(*)::int AS n FROM email_events WHERE event_type IN ('clicked', 'opened')"
        ),
      (rows) => rows[0]?.n === 2
    )
    expect(await segment("active")).toEqual([])
    // Behavioural rules read the contacts' roll-up, which the events keep as they arrive.
    expect(await preview("emailsClicked")).toBe(1)
    expect(await preview("emailsOpened")).toBe(0)
    // A contact added after its address engaged gets that history from the task's first full pass.
    const aliceContact = await h.call("GET", "/contacts/by-email/alice%40receiver.test")
    const aliceId = String((aliceContact.body.contact as Record<string, unknown>).publicId)
    expect((await h.call("DELETE", `/contacts/${aliceId}`)).status).toBe(200)
    expect((await h.call("POST", "/contacts", { email: "Alice@receiver.test" })).status).toBe(201)
    expect(await preview("emailsClicked")).toBe(0)

    const task = periodicTasks.find((t) => t.name === "contacts.engagement")
    expect(task?.every).toBe("1 hour")
    await Effect.runPromise(
      (task?.run ?? Effect.die("no contacts.engagement task")).pipe(
        Effect.provide(
          PgPersistence.pipe(Layer.provide(PgDatabase.layer(Redacted.make(h.db.url), { maxConnections: 2 })))
        )
      ) as Effect.Effect<void>
    )

    expect(await segment("active")).toEqual(["Alice@receiver.test"])
    expect(await preview("emailsClicked")).toBe(1)
    expect(await preview("emailsOpened")).toBe(0)
    expect(await segment("at_risk")).toEqual([])
    expect(await segment("dormant")).toEqual(["bob@receiver.test", "carol@receiver.test"])
    const found = await h.call("GET", "/contacts/by-email/alice%40receiver.test")
    const lastEngagedAt = Date.parse(String((found.body.contact as Record<string, unknown>).lastEngagedAt))
    expect(Math.abs(Date.now() - lastEngagedAt)).toBeLessThan(60_000)
    expect((await h.call("GET", "/contacts?engagement_segment=sleepy")).status).toBe(400)
  })
})
