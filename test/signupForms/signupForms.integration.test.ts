import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mailTo } from "../accounts/browser.js"
import { type AccountsWorld, startAccountsWorld } from "../accounts/harness.js"
import { callApi } from "../support/api.js"
import { insertTeamWithKey, query } from "../support/database.js"

const FIELDS = [
  { name: "email", type: "email", label: "Email", required: true },
  { name: "first_name", type: "text", label: "First name", required: false, placeholder: "Ann" },
  { name: "plan", type: "select", label: "Plan", required: false, options: ["free", "pro"] }
]

describe("signup forms over HTTP, PostgreSQL and the mail pipeline", () => {
  let world: AccountsWorld
  const seen = new Set<number>()
  const api = (method: string, path: string, body?: unknown) =>
    callApi(world.server.baseUrl, world.key, method, path, body)
  /** A visitor's browser: no key, a page on another origin. */
  const submit = async (id: string, body: unknown) => {
    const res = await fetch(`${world.server.baseUrl}/signup-forms/${id}/submit`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "https://shop.example" },
      body: JSON.stringify(body)
    })
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }
  }
  const createForm = async (body: Record<string, unknown> = {}) => {
    const res = await api("POST", "/signup-forms", { name: "Newsletter", fields: FIELDS, ...body })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body.signupForm as Record<string, unknown> & { publicId: string }
  }
  const contactsNamed = (email: string) =>
    query<{
      email: string
      first_name: string | null
      unsubscribed: boolean
      properties: Record<string, unknown>
    }>(
      world.db.url,
      "SELECT email, first_name, unsubscribed, properties FROM contacts WHERE lower(email) = lower($1)",
      [email]
    )
  const linkIn = (text: string) => {
    const match = /\/f\/(sfs_[0-9a-f]{24})\/([A-Za-z0-9_-]+)/.exec(text)
    if (match === null) throw new Error(`no confirmation link in: ${text}`)
    return `/f/${match[1]}/${match[2]}`
  }

  beforeAll(async () => {
    world = await startAccountsWorld()
    await api("POST", "/contact-properties", { name: "age", label: "Age", type: "number" })
    await api("POST", "/contact-properties", {
      name: "plan",
      label: "Plan",
      type: "select",
      options: ["free", "pro"]
    })
  })
  afterAll(async () => {
    await world?.close()
  })

  it("creates, lists, gets, updates and deletes forms with the SDK's envelopes; another team gets 404", async () => {
    const segment = (await api("POST", "/segments", { name: "Launch" })).body.segment as {
      id: number
      publicId: string
    }
    const form = await createForm({ segment_id: segment.publicId, success_message: "Welcome!" })
    expect(form).toMatchObject({
      publicId: expect.stringMatching(/^sf_[0-9a-f]{24}$/),
      name: "Newsletter",
      segmentId: segment.id,
      segmentPublicId: segment.publicId,
      topicPublicId: null,
      fields: FIELDS,
      successMessage: "Welcome!",
      redirectUrl: null,
      active: true,
      submissionCount: 0
    })
    const got = await api("GET", `/signup-forms/${form.publicId}`)
    // G2 reads `signupForm`, G1 the bare object.
    expect(got.body.signupForm).toEqual(form)
    expect(got.body.publicId).toBe(form.publicId)
    const list = await api("GET", "/signup-forms?per_page=1")
    expect(list.body.meta).toEqual({ page: 1, perPage: 1, total: 1, totalPages: 1 })
    expect((list.body.data as Array<{ publicId: string }>)[0]?.publicId).toBe(form.publicId)

    const topic = (await api("POST", "/subscription-topics", { name: "Launch news" })).body.topic as {
      publicId: string
    }
    const patched = await api("PATCH", `/signup-forms/${form.publicId}`, {
      segment_id: null,
      topic_id: topic.publicId,
      redirect_url: "https://shop.example/thanks",
      active: false
    })
    expect(patched.status).toBe(200)
    expect(patched.body.signupForm).toMatchObject({
      segmentId: null,
      segmentPublicId: null,
      topicPublicId: topic.publicId,
      redirectUrl: "https://shop.example/thanks",
      active: false,
      name: "Newsletter"
    })

    const other = await insertTeamWithKey(world.db.url, "other")
    for (const [method, body] of [["GET"], ["PATCH", { name: "x" }], ["DELETE"]] as const) {
      const res = await callApi(world.server.baseUrl, other, method, `/signup-forms/${form.publicId}`, body)
      expect(res.status).toBe(404)
      expect(res.body.code).toBe("not_found")
    }
    expect((await callApi(world.server.baseUrl, other, "GET", "/signup-forms")).body.meta).toMatchObject({
      total: 0
    })

    expect((await api("DELETE", `/signup-forms/${form.publicId}`)).body).toEqual({
      success: true,
      deleted: true
    })
    expect((await api("GET", `/signup-forms/${form.publicId}`)).status).toBe(404)
    expect((await api("GET", "/signup-forms/42")).status).toBe(400)
  })

  it("refuses bad definitions with clear errors and stores nothing", async () => {
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ name: "x", fields: [] }, 400, /fields/],
      [{ name: "x", fields: FIELDS, segment_id: "12" }, 400, /segment_id/],
      [{ name: "x", fields: FIELDS, segment_id: `seg_${"0".repeat(24)}` }, 404, /Segment not found/],
      [{ name: "x", fields: FIELDS, topic_id: 3 }, 400, /topic_id/],
      [{ name: "x", fields: FIELDS, topic_id: `top_${"0".repeat(24)}` }, 404, /topic not found/i],
      [{ name: "x", fields: [FIELDS[0], FIELDS[0]] }, 422, /appears twice/],
      [{ name: "x", fields: [{ name: "plan", type: "select", label: "Plan" }] }, 422, /needs options/],
      [{ name: "x", fields: FIELDS, redirect_url: "javascript:alert(1)" }, 422, /http or https/]
    ]
    for (const [body, status, message] of cases) {
      const res = await api("POST", "/signup-forms", body)
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect(res.body.error).toMatch(message)
    }
    expect((await query(world.db.url, "SELECT 1 FROM signup_forms")).length).toBe(0)
  })

  it("double opt-in: a submission mails a link, and only following it makes a subscribed contact in the segment", async () => {
    const segment = (await api("POST", "/segments", { name: "Readers" })).body.segment as { publicId: string }
    const form = await createForm({
      redirect_url: "https://shop.example/thanks",
      segment_id: segment.publicId
    })
    const res = await submit(form.publicId, {
      email: "Dana@People.test",
      first_name: "Dana",
      age: "41",
      plan: "pro",
      favourite_colour: "green"
    })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      success: true,
      message: "Thanks! Check your inbox to confirm your subscription.",
      redirect_url: "https://shop.example/thanks"
    })
    expect(res.headers.get("access-control-allow-origin")).toBe("*")
    expect(await contactsNamed("dana@people.test")).toEqual([])

    const mail = await mailTo(world.sink, "Dana@people.test", /confirm your subscription/i, seen)
    expect(mail.text).toContain("Newsletter")
    const link = linkIn(mail.text)

    // A GET (a link scanner) only shows the button.
    const page = await fetch(`${world.server.baseUrl}${link}`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<form method="post">')
    expect(await contactsNamed("dana@people.test")).toEqual([])

    const tampered = await fetch(`${world.server.baseUrl}${link.slice(0, -2)}xx`, { method: "POST" })
    expect(tampered.status).toBe(404)
    expect(await contactsNamed("dana@people.test")).toEqual([])

    const confirmed = await fetch(`${world.server.baseUrl}${link}`, { method: "POST" })
    expect(confirmed.status).toBe(200)
    expect(await confirmed.text()).toContain("You are subscribed")
    expect(await contactsNamed("dana@people.test")).toEqual([
      {
        email: "Dana@people.test",
        first_name: "Dana",
        unsubscribed: false,
        properties: { age: 41, plan: "pro" }
      }
    ])
    const members = await api("GET", `/segments/${segment.publicId}/members`)
    expect((members.body.data as Array<{ email: string }>).map((c) => c.email)).toEqual(["Dana@people.test"])
    // Following it again changes nothing: one contact, one contact.created event.
    expect((await fetch(`${world.server.baseUrl}${link}`, { method: "POST" })).status).toBe(200)
    const created = await query<{ n: number }>(
      world.db.url,
      "SELECT count(*)::int AS n FROM events WHERE type = 'contact.created' AND payload->>'email' = 'Dana@people.test'"
    )
    expect(created[0]?.n).toBe(1)
    expect((await api("GET", `/signup-forms/${form.publicId}`)).body).toMatchObject({ submissionCount: 1 })
  })

  it("opts an unsubscribed contact back in when they confirm, into the form's topic too", async () => {
    // Another team than the system sender's, whose own suppression list would hold the address.
    const key = await insertTeamWithKey(world.db.url, "shop")
    const shop = (method: string, path: string, body?: unknown) =>
      callApi(world.server.baseUrl, key, method, path, body)
    const topic = (await shop("POST", "/subscription-topics", { name: "Deals" })).body.topic as {
      publicId: string
    }
    const form = (
      await shop("POST", "/signup-forms", { name: "Shop news", fields: FIELDS, topic_id: topic.publicId })
    ).body.signupForm as { publicId: string }
    const made = await shop("POST", "/contacts", { email: "eve@people.test" })
    const id = (made.body.contact as { publicId: string }).publicId
    await shop("POST", `/contacts/${id}/unsubscribe`)
    const subscriptions = `/subscription-topics/contacts/${id}/subscriptions`
    expect((await shop("DELETE", `${subscriptions}/${topic.publicId}`)).status).toBe(200)
    expect((await submit(form.publicId, { email: "eve@people.test", first_name: "Eve" })).status).toBe(200)
    const link = linkIn(
      (await mailTo(world.sink, "eve@people.test", /confirm your subscription/i, seen)).text
    )
    expect((await fetch(`${world.server.baseUrl}${link}`, { method: "POST" })).status).toBe(200)
    const contact = (await shop("GET", `/contacts/${id}`)).body.contact
    expect(contact).toMatchObject({ unsubscribed: false, firstName: "Eve", suppressionReason: null })
    // The earlier opt-out of the form's topic is taken back.
    expect((await shop("GET", subscriptions)).body.subscriptions).toEqual([
      expect.objectContaining({ topicPublicId: topic.publicId, subscribed: true })
    ])
    // ... and said so in the outbox, which starts the team's contact.subscribed workflows.
    const announced = await query<{ topic: Record<string, unknown> }>(
      world.db.url,
      "SELECT payload->'topic' AS topic FROM events WHERE type = 'contact.updated' AND payload->>'contact_id' = $1 ORDER BY id DESC LIMIT 1",
      [id]
    )
    expect(announced[0]?.topic).toEqual({ topic_id: topic.publicId, name: "Deals", subscribed: true })
    expect(await contactsNamed("eve@people.test")).toHaveLength(1)
  })

  it("coerces property keys (wrong type 422 naming it), ignores unknown keys, checks the form's fields", async () => {
    const form = await createForm()
    const wrong = await submit(form.publicId, { email: "f@people.test", age: "forty" })
    expect(wrong.status).toBe(422)
    expect(wrong.body).toEqual({
      error: 'Invalid value for property "age": expected a number',
      code: "unprocessable_entity"
    })
    expect(wrong.headers.get("access-control-allow-origin")).toBe("*")
    const option = await submit(form.publicId, { email: "f@people.test", plan: "gold" })
    expect(option.status).toBe(422)
    const required = await submit(form.publicId, { first_name: "F" })
    expect(required.status).toBe(400)
    const badAddress = await submit(form.publicId, { email: "not an address" })
    expect(badAddress.status).toBe(422)
    const pending = await query(
      world.db.url,
      "SELECT 1 FROM signup_submissions WHERE email = 'f@people.test'"
    )
    expect(pending.length).toBe(0)
  })

  it("takes a plain HTML form post (no JavaScript): 303 to the redirect URL or a page, same checks and limits", async () => {
    /** A browser posting a `<form>` as it does without scripts, following nothing. */
    const post = async (id: string, fields: Record<string, string>) => {
      const res = await fetch(`${world.server.baseUrl}/signup-forms/${id}/submit`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://shop.example" },
        body: new URLSearchParams(fields).toString(),
        redirect: "manual"
      })
      return { status: res.status, headers: res.headers, text: await res.text() }
    }
    const redirecting = await createForm({ redirect_url: "https://shop.example/thanks" })
    const sent = await post(redirecting.publicId, { email: "Ivy@people.test", first_name: "Ivy", age: "33" })
    expect(sent.status).toBe(303)
    expect(sent.headers.get("location")).toBe("https://shop.example/thanks")
    const mail = await mailTo(world.sink, "Ivy@people.test", /confirm your subscription/i, seen)
    expect((await fetch(`${world.server.baseUrl}${linkIn(mail.text)}`, { method: "POST" })).status).toBe(200)
    expect(await contactsNamed("ivy@people.test")).toEqual([
      { email: "Ivy@people.test", first_name: "Ivy", unsubscribed: false, properties: { age: 33 } }
    ])

    const plain = await createForm({ success_message: "Nearly done: <check> your inbox" })
    const page = await post(plain.publicId, { email: "jay@people.test" })
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toContain("text/html")
    expect(page.text).toContain("Nearly done: &#60;check&#62; your inbox")
    expect(page.text).not.toContain("<script")

    // The same checks as JSON, answered as a page with the same status and words.
    const wrong = await post(plain.publicId, { email: "kay@people.test", age: "forty" })
    expect(wrong.status).toBe(422)
    expect(wrong.headers.get("content-type")).toContain("text/html")
    expect(wrong.text).toContain("Invalid value for property &#34;age&#34;: expected a number")
    const gone = await post("sf_000000000000000000000000", { email: "kay@people.test" })
    expect(gone.status).toBe(404)
    // A field given twice is that field's problem, not a body "not read as JSON".
    const twice = await fetch(`${world.server.baseUrl}/signup-forms/${plain.publicId}/submit`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "email=a%40people.test&email=b%40people.test"
    })
    expect(twice.status).toBe(400)
    expect(await twice.json()).toEqual({
      error: "email: Expected string, actual an array",
      code: "invalid_request"
    })
    // A filled honeypot lands where a real one does, and nothing is kept.
    const bot = await post(redirecting.publicId, {
      email: "robot@people.test",
      _website: "http://spam.example"
    })
    expect(bot.status).toBe(303)
    expect(
      await query(
        world.db.url,
        "SELECT 1 FROM signup_submissions WHERE email IN ('kay@people.test', 'robot@people.test')"
      )
    ).toEqual([])
    // The per-address limit counts form posts and JSON alike.
    for (let i = 0; i < 2; i++)
      expect((await post(plain.publicId, { email: "jay@people.test" })).status).toBe(200)
    const limited = await post(plain.publicId, { email: "jay@people.test" })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
    expect((await submit(plain.publicId, { email: "jay@people.test" })).status).toBe(429)
  })

  it("answers a filled honeypot like any submission and keeps nothing", async () => {
    const form = await createForm()
    const res = await submit(form.publicId, { email: "bot@people.test", _website: "http://spam.example" })
    expect(res.status).toBe(200)
    expect(res.body.success).toBe(true)
    expect(
      await query(world.db.url, "SELECT 1 FROM signup_submissions WHERE email = 'bot@people.test'")
    ).toEqual([])
  })

  it("is 404 for an inactive, deleted or unknown form", async () => {
    const inactive = await createForm()
    await api("PATCH", `/signup-forms/${inactive.publicId}`, { active: false })
    const deleted = await createForm()
    await api("DELETE", `/signup-forms/${deleted.publicId}`)
    for (const id of [inactive.publicId, deleted.publicId, "sf_000000000000000000000000"]) {
      const res = await submit(id, { email: "g@people.test" })
      expect(res.status).toBe(404)
      expect(res.body.code).toBe("not_found")
      expect(res.headers.get("access-control-allow-origin")).toBe("*")
    }
  })

  it("answers a CORS preflight from any origin, and no other route gets CORS", async () => {
    const form = await createForm()
    const preflight = await fetch(`${world.server.baseUrl}/signup-forms/${form.publicId}/submit`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://shop.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"
      }
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*")
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST")
    expect(preflight.headers.get("access-control-allow-headers")).toBe("content-type")
    const keyed = await fetch(`${world.server.baseUrl}/signup-forms`, {
      headers: { Origin: "https://shop.example" }
    })
    expect(keyed.status).toBe(401)
    expect(keyed.headers.get("access-control-allow-origin")).toBeNull()
  })

  it("limits submissions per subscriber address and per client address, with Retry-After", async () => {
    const form = await createForm()
    for (let i = 0; i < 3; i++)
      expect((await submit(form.publicId, { email: "h@people.test" })).status).toBe(200)
    const limited = await submit(form.publicId, { email: "h@people.test" })
    expect(limited.status).toBe(429)
    expect(limited.body.code).toBe("rate_limit_exceeded")
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
    expect(limited.headers.get("access-control-allow-origin")).toBe("*")
    // The client's own budget (20 per 10 minutes), whatever the address typed.
    let status = 200
    for (let i = 0; i < 25 && status !== 429; i++)
      status = (await submit(form.publicId, { email: `bot${i}@people.test`, _website: "x" })).status
    expect(status).toBe(429)
  })
})
