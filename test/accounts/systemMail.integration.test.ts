import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callApi } from "../support/api.js"
import { query } from "../support/database.js"
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../support/webhookReceiver.js"
import { Browser, mailTo, tokenIn } from "./browser.js"
import { type AccountsWorld, startAccountsWorld } from "./harness.js"

const loopback = { allowLoopback: true, timeoutMs: 3_000 }

/**
 * System mail goes out as an email of the first team (the operator's). Its links are someone
 * else's secrets: that team's keys, webhooks and a database dump taken after delivery must not
 * hold them.
 */
describe("system mail is not the operator team's mail", () => {
  let world: AccountsWorld
  let receiver: WebhookReceiver
  let sendingKey: string
  const seen = new Set<number>()
  const person = "bea@people.test"
  const password = "correct horse battery staple"

  beforeAll(async () => {
    world = await startAccountsWorld({ webhooks: loopback }, loopback)
    receiver = await startWebhookReceiver()
    const hook = await callApi(world.server.baseUrl, world.key, "POST", "/webhooks", {
      url: receiver.url("/a"),
      events: ["*"]
    })
    expect(hook.status).toBe(201)
    const created = await callApi(world.server.baseUrl, world.key, "POST", "/api-keys", {
      name: "sender",
      permission: "sending_access"
    })
    expect(created.status).toBe(201)
    sendingKey = String(created.body.key)
    // Bea signs up: she is of her own team (team B), not of the operator's.
    const browser = new Browser(world.server.baseUrl)
    const signedUp = await browser.call("POST", "/auth/sign-up", { email: person, password })
    expect(signedUp.status).toBe(202)
    expect(signedUp.body.message).toMatch(/a mail is on its way/)
    const verify = tokenIn(await mailTo(world.sink, person, /confirm your email/i, seen))
    expect((await browser.call("POST", "/auth/verify-email", { token: verify })).status).toBe(200)
  })
  afterAll(async () => {
    await receiver?.close()
    await world?.close()
  })

  it("hides a reset link from the operator team's keys, webhooks and, once delivered, the database", async () => {
    const stranger = new Browser(world.server.baseUrl)
    expect((await stranger.call("POST", "/auth/password-reset", { email: person })).status).toBe(202)
    // It still arrives.
    const token = tokenIn(await mailTo(world.sink, person, /reset your/i, seen))
    const [reset] = await query<{ public_id: string }>(
      world.db.url,
      "SELECT public_id FROM emails WHERE $1 = ANY (to_addresses) AND subject ~* 'reset your'",
      [person]
    )
    const id = reset?.public_id ?? ""
    expect(id).toMatch(/^em_/)

    // An email of the team's own, so the webhook is seen to work while nothing about Bea comes.
    const own = await callApi(world.server.baseUrl, world.key, "POST", "/emails", {
      from: "hello@system.test",
      to: ["carl@people.test"],
      subject: "the team's own mail",
      text: "hello"
    })
    expect(own.status).toBe(202)
    await mailTo(world.sink, "carl@people.test", /the team's own mail/, seen)
    await eventually(
      () => receiver.at("/a").map((r) => JSON.parse(r.body) as { type: string; data: { email_id?: string } }),
      (events) => events.some((e) => e.type === "email.delivered" && e.data.email_id === own.body.id)
    )

    for (const key of [world.key, sendingKey]) {
      const list = await callApi(world.server.baseUrl, key, "GET", "/emails?per_page=100")
      expect(list.status).toBe(200)
      const listed = list.body.data as Array<{ publicId: string }>
      expect(listed.map((e) => e.publicId)).toContain(own.body.id)
      expect(listed.map((e) => e.publicId)).not.toContain(id)
      expect(JSON.stringify(listed)).not.toContain(person)
      const byRecipient = await callApi(world.server.baseUrl, key, "GET", `/emails?to=${person}`)
      expect(byRecipient.body.data).toEqual([])
      for (const [method, path] of [
        ["GET", `/emails/${id}`],
        ["GET", `/emails/${id}/events`],
        ["GET", `/emails/${id}/insights`],
        ["POST", `/emails/${id}/cancel`]
      ] as const) {
        const answer = await callApi(world.server.baseUrl, key, method, path)
        expect(answer.status, `${method} ${path}`).toBe(404)
        expect(JSON.stringify(answer.body)).not.toContain(token)
      }
    }

    // Give the dispatcher time to pass on anything still in the outbox, then look at what came.
    await new Promise((r) => setTimeout(r, 1_000))
    const bodies = receiver.at("/a").map((r) => r.body)
    expect(bodies.length).toBeGreaterThan(0)
    for (const body of bodies) {
      expect(body).not.toContain(id)
      expect(body).not.toContain(person)
    }
    const outbox = await query<{ n: number }>(
      world.db.url,
      "SELECT count(*)::int AS n FROM events WHERE payload->>'email_id' = $1",
      [id]
    )
    expect(outbox[0]?.n).toBe(0)

    // Delivered: the worker's own history of it is kept, its bodies (the link) are not.
    const [stored] = await query<{ text_body: string | null; html_body: string | null; status: string }>(
      world.db.url,
      "SELECT text_body, html_body, status FROM emails WHERE public_id = $1",
      [id]
    )
    expect(stored).toEqual({ text_body: null, html_body: null, status: "delivered" })
    const history = await query<{ event_type: string }>(
      world.db.url,
      "SELECT ev.event_type FROM email_events ev JOIN emails e ON e.id = ev.email_id WHERE e.public_id = $1",
      [id]
    )
    expect(history.map((h) => h.event_type)).toContain("delivered")
    const dump = await query<{ n: number }>(
      world.db.url,
      "SELECT count(*)::int AS n FROM emails WHERE strpos(coalesce(text_body, '') || coalesce(html_body, ''), $1) > 0",
      [token]
    )
    expect(dump[0]?.n).toBe(0)
  })
  it("has no suppression list of its own team: an entry there does not stop it, its bounces list nobody", async () => {
    // The operator's team has Dora on its list (say she unsubscribed from its newsletter): her
    // account mail still comes.
    const dora = "dora@people.test"
    const listed = await callApi(world.server.baseUrl, world.key, "POST", "/suppressions", {
      email: dora,
      reason: "unsubscribe"
    })
    expect(listed.status, JSON.stringify(listed.body)).toBe(200)
    const browser = new Browser(world.server.baseUrl)
    expect((await browser.call("POST", "/auth/sign-up", { email: dora, password })).status).toBe(202)
    await mailTo(world.sink, dora, /confirm your email/i, seen)

    // A system mail that bounces hard does not put the address on the team's list.
    const ghost = "ghost@people.test"
    world.sink.replies.set(ghost, "550 5.1.1 no such user")
    expect((await browser.call("POST", "/auth/sign-up", { email: ghost, password })).status).toBe(202)
    await eventually(
      () =>
        query<{ status: string }>(
          world.db.url,
          "SELECT status FROM emails WHERE system AND $1 = ANY (to_addresses)",
          [ghost]
        ),
      (rows) => rows[0]?.status === "bounced"
    )
    const entries = await callApi(world.server.baseUrl, world.key, "GET", "/suppressions")
    expect(entries.status).toBe(200)
    const emails = (entries.body.data as Array<{ email: string }>).map((e) => e.email)
    expect(emails).toContain(dora)
    expect(emails).not.toContain(ghost)
    const rows = await query(world.db.url, "SELECT 1 FROM suppressions WHERE lower(email) = $1", [ghost])
    expect(rows).toEqual([])
    // So the team's own mail to that address is not stopped by the person's bounce.
    world.sink.replies.delete(ghost)
    const own = await callApi(world.server.baseUrl, world.key, "POST", "/emails", {
      from: "hello@system.test",
      to: [ghost],
      subject: "the team's own mail to ghost",
      text: "hello"
    })
    expect(own.status).toBe(202)
    await mailTo(world.sink, ghost, /the team's own mail to ghost/, seen)
  })
})
