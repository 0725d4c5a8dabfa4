import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import openapi from "../../packages/contract/openapi.json" with { type: "json" }
import { query } from "../support/database.js"
import { expectRefusal, request, startTwoTeams, type TwoTeams } from "./harness.js"

// Team B's rows, whole, in every table that holds tenant data: an attack by team A must change none.
const TENANT_TABLES = [
  "domains",
  "api_keys",
  "emails",
  "deliveries",
  "email_events",
  "dkim_keys",
  "webhooks",
  "webhook_deliveries",
  "webhook_attempts",
  "dmarc_reports",
  "suppressions",
  "inbound_emails",
  "contacts",
  "contact_properties",
  "segments",
  "subscription_topics",
  "topic_subscriptions",
  "signup_forms",
  "templates"
]

/** A body each route accepts, so that a refusal cannot come from validation instead of ownership. */
const BODIES: Record<string, unknown> = {
  "patch /api-keys/{id}": { name: "taken over" },
  "patch /domains/{id}": { open_tracking: true },
  "post /domains/{id}/ip": { ipAddressId: 1 },
  "patch /emails/{id}": { scheduled_at: new Date(Date.now() + 2 * 86_400_000).toISOString() },
  "patch /webhooks/{id}": { description: "taken over" },
  "post /webhooks/{id}/deliveries/batch-replay": {},
  "post /webhooks/{id}/rotate-secret": {},
  "put /notification-channels/{id}": { name: "taken over", enabled: false },
  "post /inbound/{id}/draft-reply": {},
  "post /inbound/{id}/reply": { from: "a@a.test", text: "taken over" },
  "post /inbound/{id}/forward": { from: "a@a.test", to: ["thief@example.com"] },
  "patch /contacts/{id}": { first_name: "taken over" },
  "patch /contact-properties/{id}": { label: "taken over", required: true },
  "patch /segments/{id}": { name: "taken over", rules: null },
  "patch /subscription-topics/{id}": { name: "taken over" },
  "patch /signup-forms/{id}": { name: "taken over" },
  "patch /templates/{id}": { name: "taken over" },
  "post /templates/{id}/render": {}
}

describe("tenant isolation: team A's key on every route that names one of team B's resources", () => {
  let teams: TwoTeams
  let teamB: number
  // Sample ids of B's resources, by the first path segment and then by parameter name.
  const ids: Record<string, Record<string, ReadonlyArray<string>>> = {}
  const asB = (method: string, path: string, body?: unknown) =>
    request(teams.server.baseUrl, teams.keyB, method, path, body)
  const asA = (method: string, path: string, body?: unknown) =>
    request(teams.server.baseUrl, teams.keyA, method, path, body)

  const rowsOfB = async () => {
    const out: Record<string, unknown> = {}
    for (const table of TENANT_TABLES) {
      const [hasTeam] = await query<{ n: string }>(
        teams.db.url,
        "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = $1 AND column_name = 'team_id'",
        [table]
      )
      out[table] = await query(
        teams.db.url,
        Number(hasTeam?.n) > 0
          ? `SELECT * FROM ${table} WHERE team_id = $1 ORDER BY id`
          : `SELECT * FROM ${table} WHERE $1::int IS NOT NULL ORDER BY id`,
        [teamB]
      )
    }
    return JSON.stringify(out)
  }

  /** Every method and concrete path of the spec's routes with path parameters, filled with B's ids. */
  const routes = () => {
    const out: Array<{ method: string; template: string; path: string }> = []
    const missing: Array<string> = []
    for (const [template, item] of Object.entries(openapi.paths as Record<string, Record<string, unknown>>)) {
      const params = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "")
      if (params.length === 0) continue
      // Public routes (tracking pixel, click, unsubscribe) take no key: a signature in the path is
      // what opens them, and test/tracking tampers with it.
      const operations = Object.values(item) as Array<{ security?: ReadonlyArray<unknown> }>
      if (operations.every((o) => Array.isArray(o.security) && o.security.length === 0)) continue
      // Routes only a session reaches (people's accounts and teams) refuse every key (keyScopes);
      // people across teams are held apart in test/accounts/teams.integration.test.ts.
      const takesKey = (o: { security?: ReadonlyArray<unknown> }) =>
        (o.security ?? []).some((s) => typeof s === "object" && s !== null && "bearer" in s)
      if (!operations.some(takesKey)) continue
      // Template presets are the product's own, the same for every team: no one's resource.
      if (template.startsWith("/templates/presets/")) continue
      const resource = template.split("/")[1] ?? ""
      let paths = [template]
      for (const param of params) {
        const samples = ids[resource]?.[param]
        if (samples === undefined || samples.length === 0) {
          missing.push(`${template} {${param}}`)
          continue
        }
        paths = paths.flatMap((p) => samples.map((s) => p.replace(`{${param}}`, s)))
      }
      for (const method of Object.keys(item).filter((k) =>
        ["get", "post", "patch", "put", "delete"].includes(k)
      ))
        for (const path of paths) out.push({ method, template, path })
    }
    return { out, missing }
  }

  beforeAll(async () => {
    const blobDir = mkdtempSync(path.join(tmpdir(), "poststack-blobs-"))
    writeFileSync(path.join(blobDir, "b-raw"), "Subject: B private inbound\r\n\r\nsecret\r\n")
    writeFileSync(path.join(blobDir, "b-attachment"), "%PDF-")
    teams = await startTwoTeams({ webhooks: { allowLoopback: true, timeoutMs: 1_000 }, blobDir })
    const [team] = await query<{ team_id: number }>(
      teams.db.url,
      "SELECT team_id FROM domains WHERE name = 'b.test'"
    )
    teamB = team?.team_id ?? 0
    const key = await asB("POST", "/api-keys", { name: "b sender", permission: "sending_access" })
    expect(key.status).toBe(201)
    const email = await asB("POST", "/emails", {
      from: "B <news@b.test>",
      to: ["reader@example.com"],
      subject: "B's private mail",
      text: "secret content of team B",
      scheduled_at: new Date(Date.now() + 86_400_000).toISOString()
    })
    expect(email.status).toBe(202)
    const hook = await asB("POST", "/webhooks", { url: "http://127.0.0.1:9/b-hook", events: ["*"] })
    expect(hook.status).toBe(201)
    const hookId = String((hook.body.webhook as { id: number } | undefined)?.id ?? hook.body.id)
    await asB("POST", `/webhooks/${hookId}/test`)
    const deliveries = await asB("GET", `/webhooks/${hookId}/deliveries`)
    const deliveryId = String((deliveries.body.deliveries as Array<{ id: number }>)[0]?.id)
    expect(deliveryId).toMatch(/^\d+$/)
    ids["api-keys"] = { id: [String(key.body.id)] }
    ids.domains = { id: [String(teams.domainB.id), teams.domainB.publicId] }
    ids.emails = { id: [String(email.body.id)] }
    ids.webhooks = { id: [hookId], deliveryId: [deliveryId] }
    // A notification channel of B's, with a delivery (its test message, refused by a closed port).
    const channel = await asB("POST", "/notification-channels", {
      type: "discord",
      name: "B's private alerts",
      events: ["*"],
      config: { webhookUrl: "http://127.0.0.1:9/api/webhooks/1/b-hook" }
    })
    expect(channel.status).toBe(201)
    const channelId = String((channel.body.channel as { publicId: string }).publicId)
    await asB("POST", `/notification-channels/${channelId}/test`)
    const channelDeliveries = await asB("GET", `/notification-channels/${channelId}/deliveries`)
    const channelDeliveryId = String((channelDeliveries.body.deliveries as Array<{ id: number }>)[0]?.id)
    expect(channelDeliveryId).toMatch(/^\d+$/)
    ids["notification-channels"] = { id: [channelId], deliveryId: [channelDeliveryId] }
    // Mail B received (as the inbound MX stores it), with an attachment.
    const [inbound] = await query<{ id: string }>(
      teams.db.url,
      `INSERT INTO inbound_emails (team_id, domain_id, from_address, to_address, subject, text_body, authentication, raw_key)
       VALUES ($1, $2, 'partner@example.com', 'support@b.test', 'B private inbound', 'secret',
         '{"spf": "pass", "dkim": "none", "dmarc": "none"}', 'b-raw') RETURNING id`,
      [teamB, teams.domainB.id]
    )
    const [attachment] = await query<{ id: string }>(
      teams.db.url,
      `INSERT INTO inbound_attachments (inbound_email_id, filename, content_type, size, blob_key)
       VALUES ($1, 'contract.pdf', 'application/pdf', 5, 'b-attachment') RETURNING id`,
      [inbound?.id]
    )
    const suppression = await asB("POST", "/suppressions", {
      email: "b.blocked+list@example.com",
      reason: "manual"
    })
    expect(suppression.status).toBe(200)
    ids.suppressions = { email: [encodeURIComponent("b.blocked+list@example.com")] }
    ids.inbound = { id: [String(inbound?.id)], attachmentId: [String(attachment?.id)] }
    const contact = await asB("POST", "/contacts", { email: "b.contact@b.test", first_name: "B's private" })
    expect(contact.status).toBe(201)
    ids.contacts = {
      id: [String((contact.body.contact as { publicId: string }).publicId)],
      email: [encodeURIComponent("b.contact@b.test")]
    }
    const property = await asB("POST", "/contact-properties", {
      name: "bsecret",
      label: "B's private",
      type: "text"
    })
    expect(property.status).toBe(201)
    ids["contact-properties"] = { id: [String((property.body.property as { id: number }).id)] }
    const segment = await asB("POST", "/segments", { name: "B's private" })
    expect(segment.status).toBe(201)
    const segmentId = String((segment.body.segment as { publicId: string }).publicId)
    const contactIds = ids.contacts.id ?? []
    const added = await asB("POST", `/segments/${segmentId}/contacts`, { contact_ids: contactIds })
    expect(added.status).toBe(200)
    ids.segments = { id: [segmentId], contactId: contactIds }
    BODIES["post /segments/{id}/contacts"] = { contact_ids: contactIds }
    const topic = await asB("POST", "/subscription-topics", { name: "B's private" })
    expect(topic.status).toBe(201)
    const topicId = String((topic.body.topic as { publicId: string }).publicId)
    // B's contact has made a choice about B's topic, so the row exists for A to reach for.
    const subscriptions = `/subscription-topics/contacts/${contactIds[0]}/subscriptions`
    expect((await asB("DELETE", `${subscriptions}/${topicId}`)).status).toBe(200)
    ids["subscription-topics"] = { id: [topicId], contactId: contactIds, topicId: [topicId] }
    BODIES["post /subscription-topics/contacts/{contactId}/subscriptions"] = { topic_id: topicId }
    const form = await asB("POST", "/signup-forms", {
      name: "B's private",
      fields: [{ name: "email", type: "email", label: "Email", required: true }]
    })
    expect(form.status).toBe(201)
    ids["signup-forms"] = { id: [String((form.body.signupForm as { publicId: string }).publicId)] }
    const template = await asB("POST", "/templates", {
      name: "B's private",
      subject: "B's private",
      html: "<p>secret content</p>"
    })
    expect(template.status).toBe(201)
    ids.templates = { id: [String((template.body.template as { publicId: string }).publicId)] }
    const exportJob = await asB("POST", "/privacy/exports", { email: "reader@example.com" })
    expect(exportJob.status).toBe(202)
    const jobId = String(exportJob.body.id)
    // No worker runs here: the export is marked finished so B's own archive route answers 200.
    await query(
      teams.db.url,
      `UPDATE privacy_jobs SET status = 'done', result = '{"format":"poststack.subject-export.v1"}', finished_at = now() WHERE id = $1`,
      [jobId]
    )
    ids.privacy = { id: [jobId] }
  })
  afterAll(async () => {
    await teams.close()
  })

  it("knows a sample id for every path parameter of every route in the OpenAPI document", () => {
    const { out, missing } = routes()
    expect(missing).toEqual([])
    // The document has routes of each kind this test is about; an empty walk would prove nothing.
    expect(new Set(out.map((r) => r.template.split("/")[1]))).toEqual(
      new Set([
        "api-keys",
        "domains",
        "emails",
        "webhooks",
        "inbound",
        "suppressions",
        "notification-channels",
        "contacts",
        "contact-properties",
        "segments",
        "subscription-topics",
        "signup-forms",
        "templates",
        "privacy"
      ])
    )
    expect(out.length).toBeGreaterThanOrEqual(40)
  })

  it("answers 404 not_found on every one of them, and leaves B's rows as they were", async () => {
    const before = await rowsOfB()
    const wrong: Array<string> = []
    for (const { method, template, path } of routes().out) {
      const res = await asA(method.toUpperCase(), path, BODIES[`${method} ${template}`])
      if (res.status !== 404 || res.body.code !== "not_found" || Object.keys(res.body).length !== 2)
        wrong.push(`${method.toUpperCase()} ${path}: ${res.status} ${res.text.slice(0, 160)}`)
      // Nothing of B's shows through, even in the message.
      for (const marker of ["b.test", "secret content", "b-hook", "B's private"])
        if (res.text.includes(marker)) wrong.push(`${method.toUpperCase()} ${path} shows ${marker}`)
    }
    expect(wrong).toEqual([])
    expect(await rowsOfB()).toEqual(before)
    // One request after another over every route: on a loaded machine this walk outgrows 30 s.
  }, 90_000)

  it("answers B's own key on the same GET routes (so the 404s above are about ownership)", async () => {
    const wrong: Array<string> = []
    for (const { path } of routes().out.filter((r) => r.method === "get")) {
      const res = await asB("GET", path)
      if (res.status !== 200) wrong.push(`${path}: ${res.status} ${res.text.slice(0, 120)}`)
    }
    expect(wrong).toEqual([])
  })

  it("lists and filters only A's own rows, even when filtering by B's domain", async () => {
    for (const path of ["/domains", "/api-keys", "/emails", "/webhooks", "/notification-channels"]) {
      const res = await asA("GET", path)
      expect(res.status, path).toBe(200)
      for (const marker of ["b.test", "b sender", "b-hook", ...(ids.emails?.id ?? [])])
        expect(res.text, `${path} shows ${marker}`).not.toContain(marker)
    }
    for (const domain of [String(teams.domainB.id)]) {
      for (const param of ["domain_id", "domain"]) {
        const res = await asA("GET", `/emails?${param}=${domain}`)
        expect(res.status).toBe(200)
        expect(res.body.data).toEqual([])
      }
    }
  })

  it("does not reach B's webhook delivery through a webhook of A's own", async () => {
    const before = await rowsOfB()
    const own = await asA("POST", "/webhooks", { url: "http://127.0.0.1:9/a-hook", events: ["*"] })
    expect(own.status).toBe(201)
    const ownId = (own.body.webhook as { id: number } | undefined)?.id ?? Number(own.body.id)
    for (const deliveryId of ids.webhooks?.deliveryId ?? []) {
      const res = await asA("POST", `/webhooks/${ownId}/deliveries/${deliveryId}/replay`)
      expectRefusal(res, 404, "not_found")
    }
    const channel = await asA("POST", "/notification-channels", {
      type: "slack",
      name: "A's alerts",
      events: ["*"],
      config: { webhookUrl: "http://127.0.0.1:9/services/a-hook" }
    })
    expect(channel.status).toBe(201)
    const ownChannel = String((channel.body.channel as { publicId: string }).publicId)
    for (const deliveryId of [
      ...(ids["notification-channels"]?.deliveryId ?? []),
      ...(ids.webhooks?.deliveryId ?? [])
    ]) {
      const res = await asA("POST", `/notification-channels/${ownChannel}/deliveries/${deliveryId}/replay`)
      expectRefusal(res, 404, "not_found")
    }
    expect(await rowsOfB()).toEqual(before)
  })

  it("keeps idempotency keys per team: A reusing B's key gets an email of its own, not B's id", async () => {
    const body = (from: string) => ({
      from,
      to: ["reader@example.com"],
      subject: "Receipt",
      text: "Thanks",
      idempotency_key: "order-1001"
    })
    const first = await asB("POST", "/emails", body("B <news@b.test>"))
    expect(first.status).toBe(202)
    const mine = await asA("POST", "/emails", body("A <news@a.test>"))
    expect(mine.status).toBe(202)
    expect(mine.body.id).not.toBe(first.body.id)
    expect(mine.body.replayed).toBeUndefined()
    // The same header key on both sides as well (scoped to the API key).
    const headers = { "Idempotency-Key": "shared-header-key" }
    const viaHeader = async (key: string, from: string) => {
      const res = await fetch(`${teams.server.baseUrl}/emails`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...headers },
        body: JSON.stringify({ ...body(from), idempotency_key: undefined })
      })
      return (await res.json()) as { id: string; replayed?: boolean }
    }
    const b = await viaHeader(teams.keyB, "B <news@b.test>")
    const a = await viaHeader(teams.keyA, "A <news@a.test>")
    expect(a.id).not.toBe(b.id)
    expect(a.replayed).toBeUndefined()
  })

  it("refuses to create a key scoped to B's domain, with the same 404 as an unknown domain", async () => {
    const before = await rowsOfB()
    for (const domain of [teams.domainB.id, teams.domainB.publicId, 999_999]) {
      const res = await asA("POST", "/api-keys", {
        name: "sneaky",
        permission: "sending_access",
        domain_id: domain
      })
      expectRefusal(res, 404, "not_found")
    }
    const [count] = await query<{ n: string }>(
      teams.db.url,
      "SELECT count(*) AS n FROM api_keys WHERE name = 'sneaky'"
    )
    expect(Number(count?.n)).toBe(0)
    expect(await rowsOfB()).toEqual(before)
  })
})
