import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { SmtpSubmissionServer, SmtpTls } from "@poststack/adapters-smtp"
import { Effect } from "effect"
import nodemailer from "nodemailer"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import openapi from "../../packages/contract/openapi.json" with { type: "json" }
import { query } from "../support/database.js"
import { addVerifiedDomain } from "../support/domains.js"
import { freePort } from "../support/net.js"
import { expectRefusal, request, type Res, startTwoTeams, type TwoTeams } from "./harness.js"

/**
 * docs/key-scopes.md, cell by cell, over HTTP. The table is written out here on its own rather
 * than read from the product, so a change to the product's table has to change this one too.
 */
type Kind = "fullTeam" | "fullScoped" | "sendingTeam" | "sendingScoped"
type Family =
  | "send"
  | "emails"
  | "domains.create"
  | "domains"
  | "apiKeys"
  | "suppressions"
  | "webhooks"
  | "inbound"
  | "notificationChannels"
  | "emailValidations"
  | "auditLog"
  | "requestLogs"
  | "preview"
  | "accounts"
  | "contacts"
  | "billing"
  | "privacy"
  | "signupForms"
  | "topics"
  | "templates"
  | "segments"
  | "broadcasts"
  | "workflows"
/** allowed; 404 (the resource is outside the key's domain, so not found); 403 (the family is refused). */
type Cell = "ok" | 404 | 403

const TABLE: Record<Family, Record<Kind, { own: Cell; other: Cell }>> = {
  send: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: "ok", other: 403 },
    sendingTeam: { own: "ok", other: "ok" },
    sendingScoped: { own: "ok", other: 403 }
  },
  emails: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: "ok", other: 404 },
    sendingTeam: { own: "ok", other: "ok" },
    sendingScoped: { own: "ok", other: 404 }
  },
  "domains.create": {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  domains: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: "ok", other: 404 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  apiKeys: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: "ok", other: 404 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // Team-wide resources: "own" and "other" are the same rows, which no scoped key reaches.
  suppressions: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  webhooks: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  inbound: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: "ok", other: 404 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // Team-wide, like webhooks: a channel may be limited to a domain, but it is managed by the team.
  notificationChannels: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // Validating an address reads no resource of any domain.
  emailValidations: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: "ok", other: "ok" },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // Who did what, and every request, across the team: for full-access team-wide keys only.
  auditLog: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  requestLogs: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // A preview sends nothing and stores nothing.
  preview: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: "ok", other: "ok" },
    sendingTeam: { own: "ok", other: "ok" },
    sendingScoped: { own: "ok", other: "ok" }
  },
  // The team's audience (contacts and their properties): team-wide, like suppressions.
  contacts: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // The plan, usage and the provider's pages: what the team pays belongs to no one domain.
  billing: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // Exports and erasures of a data subject reach every domain's mail: team-wide, full access only.
  privacy: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // Signup forms write to the team's audience: team-wide, like contacts.
  signupForms: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // Subscription topics and contacts' choices: the team's audience, as contacts.
  topics: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // Templates: shared by the team's domains; a sending key uses them only through sends.
  templates: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // Segments of the audience: team-wide, like contacts.
  segments: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // Broadcasts: mail to the team's audience, team-wide like segments.
  broadcasts: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // Workflows: they read the audience and send from the team's templates, team-wide like contacts.
  workflows: {
    fullTeam: { own: "ok", other: "ok" },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  },
  // People's own routes (sessions, account, teams): no key of any kind reaches them.
  accounts: {
    fullTeam: { own: 403, other: 403 },
    fullScoped: { own: 403, other: 403 },
    sendingTeam: { own: 403, other: 403 },
    sendingScoped: { own: 403, other: 403 }
  }
}

const familyOf = (method: string, template: string): Family | undefined => {
  const resource = template.split("/")[1]
  if (resource === "auth" || resource === "account" || resource === "teams") return "accounts"
  if (resource === "emails") {
    if (method === "post" && ["/emails/preview", "/emails/spam-preview"].includes(template)) return "preview"
    return method === "post" && ["/emails", "/emails/send", "/emails/batch"].includes(template)
      ? "send"
      : "emails"
  }
  if (resource === "domains")
    return method === "post" && template === "/domains" ? "domains.create" : "domains"
  if (resource === "api-keys") return "apiKeys"
  if (resource === "suppressions") return "suppressions"
  if (resource === "webhooks") return "webhooks"
  if (resource === "inbound") return "inbound"
  if (resource === "notification-channels") return "notificationChannels"
  if (resource === "email-validations") return "emailValidations"
  if (resource === "audit-log") return "auditLog"
  if (resource === "logs") return "requestLogs"
  if (resource === "contacts" || resource === "contact-properties") return "contacts"
  if (resource === "billing") return "billing"
  if (resource === "privacy") return "privacy"
  if (resource === "signup-forms") return "signupForms"
  if (resource === "subscription-topics") return "topics"
  if (resource === "templates") return "templates"
  if (resource === "segments") return "segments"
  if (resource === "broadcasts") return "broadcasts"
  if (resource === "workflows") return "workflows"
  return undefined
}

/** A body each route accepts, so that a refusal cannot come from validation instead of scope. */
const BODIES: Record<string, unknown> = {
  "patch /api-keys/{id}": { name: "taken over" },
  "patch /domains/{id}": { open_tracking: true },
  "post /domains/{id}/ip": { ipAddressId: 1 },
  "patch /emails/{id}": { scheduled_at: new Date(Date.now() + 2 * 86_400_000).toISOString() },
  "patch /webhooks/{id}": { description: "taken over" },
  "put /notification-channels/{id}": { name: "taken over", enabled: false },
  "post /webhooks/{id}/deliveries/batch-replay": {},
  "post /webhooks/{id}/rotate-secret": {},
  "patch /contacts/{id}": { first_name: "taken over" },
  "patch /contact-properties/{id}": { label: "taken over" },
  "post /contacts": { email: "new.contact@example.com" },
  "post /contact-properties": { name: "newprop", label: "New", type: "text" },
  "post /contacts/import": { contacts: [{ email: "imported@example.com" }] },
  "post /billing/checkout": { plan: "unlimited" },
  "post /privacy/exports": { email: "held.contact@example.com" },
  "post /privacy/erasures": { email: "nobody@example.com" },
  "post /signup-forms": {
    name: "Taken",
    fields: [{ name: "email", type: "email", label: "Email", required: true }]
  },
  "patch /signup-forms/{id}": { name: "taken over" },
  "post /subscription-topics": { name: "Taken over" },
  "patch /subscription-topics/{id}": { name: "taken over" },
  "post /templates": { name: "New", subject: "s", html: "<p>x</p>" },
  "patch /templates/{id}": { name: "taken over" },
  "post /templates/{id}/render": {},
  "post /segments": { name: "new segment" },
  "patch /broadcasts/{id}": { subject: "taken over" },
  "post /broadcasts/{id}/test": { email: "reader@example.com" },
  "post /broadcasts/{id}/resend": {},
  "patch /workflows/{id}": { name: "taken over" },
  "put /workflows/{id}/graph": { nodes: [], edges: [] },
  "post /segments/{id}/contacts": { contact_ids: [`con_${"0".repeat(24)}`] },
  "patch /segments/{id}": { name: "taken over" },
  "post /segments/preview": {
    rules: { operator: "and", conditions: [{ field: "email", comparator: "is_set" }] }
  },
  "post /inbound/{id}/draft-reply": {},
  "post /inbound/{id}/reply": { from: "support@own.test", text: "taken over" },
  "post /inbound/{id}/forward": { from: "support@own.test", to: ["thief@example.com"] }
}

const KINDS: ReadonlyArray<Kind> = ["fullTeam", "fullScoped", "sendingTeam", "sendingScoped"]

describe("key scopes: every route family for every kind of key (docs/key-scopes.md)", () => {
  let teams: TwoTeams
  let own: { id: number; publicId: string }
  let other: { id: number; publicId: string }
  const keys = {} as Record<Kind | "test", string>
  /** Sample ids by first path segment, then parameter name: inside the scoped keys' domain, and outside. */
  const ownIds: Record<string, Record<string, string>> = {}
  const otherIds: Record<string, Record<string, string>> = {}
  const as = (kind: Kind | "test", method: string, path: string, body?: unknown) =>
    request(teams.server.baseUrl, keys[kind], method, path, body)

  const scheduled = async (from: string) => {
    const res = await as("fullTeam", "POST", "/emails", {
      from,
      to: ["reader@example.com"],
      subject: `scheduled from ${from}`,
      text: "private content",
      scheduled_at: new Date(Date.now() + 86_400_000).toISOString()
    })
    expect(res.status).toBe(202)
    return String(res.body.id)
  }
  const inbound = async (domainId: number, to: string) => {
    const [team] = await query<{ team_id: number }>(
      teams.db.url,
      "SELECT team_id FROM domains WHERE id = $1",
      [domainId]
    )
    const [row] = await query<{ id: string }>(
      teams.db.url,
      `INSERT INTO inbound_emails (team_id, domain_id, from_address, to_address, subject, text_body, authentication, raw_key)
       VALUES ($1, $2, 'partner@example.com', $3, 'private inbound', 'private content',
         '{"spf": "pass", "dkim": "none", "dmarc": "none"}', 'raw') RETURNING id`,
      [team?.team_id, domainId, to]
    )
    const [attachment] = await query<{ id: string }>(
      teams.db.url,
      `INSERT INTO inbound_attachments (inbound_email_id, filename, content_type, size, blob_key)
       VALUES ($1, 'contract.pdf', 'application/pdf', 5, 'attachment') RETURNING id`,
      [row?.id]
    )
    return { id: String(row?.id), attachmentId: String(attachment?.id) }
  }
  const newKey = async (body: Record<string, unknown>) => {
    const res = await as("fullTeam", "POST", "/api-keys", { name: "made by test", ...body })
    expect(res.status, res.text).toBe(201)
    return { id: String(res.body.id), key: String(res.body.key) }
  }

  /** Rows outside the scoped keys' domain: the other domain's, and the team-wide ones. */
  const outsideRows = async () => {
    const out: Record<string, unknown> = {}
    const tables: Record<string, string> = {
      domains: "SELECT * FROM domains WHERE id = $1",
      dkim_keys: "SELECT * FROM dkim_keys WHERE domain_id = $1",
      emails: "SELECT * FROM emails WHERE domain_id = $1 ORDER BY id",
      inbound_emails: "SELECT * FROM inbound_emails WHERE domain_id = $1 ORDER BY id",
      api_keys:
        "SELECT * FROM api_keys WHERE (domain_id IS NULL OR domain_id = $1) AND $1::int IS NOT NULL ORDER BY id",
      webhooks: "SELECT * FROM webhooks WHERE $1::int IS NOT NULL ORDER BY id",
      webhook_deliveries: "SELECT * FROM webhook_deliveries WHERE $1::int IS NOT NULL ORDER BY id",
      suppressions: "SELECT * FROM suppressions WHERE $1::int IS NOT NULL ORDER BY id",
      contacts: "SELECT * FROM contacts WHERE $1::int IS NOT NULL ORDER BY id",
      contact_properties: "SELECT * FROM contact_properties WHERE $1::int IS NOT NULL ORDER BY id",
      signup_forms: "SELECT * FROM signup_forms WHERE $1::int IS NOT NULL ORDER BY id",
      subscription_topics: "SELECT * FROM subscription_topics WHERE $1::int IS NOT NULL ORDER BY id",
      topic_subscriptions: "SELECT * FROM topic_subscriptions WHERE $1::int IS NOT NULL ORDER BY id",
      templates: "SELECT * FROM templates WHERE $1::int IS NOT NULL ORDER BY id",
      segments: "SELECT * FROM segments WHERE $1::int IS NOT NULL ORDER BY id",
      broadcasts: "SELECT * FROM broadcasts WHERE $1::int IS NOT NULL ORDER BY id",
      workflows: "SELECT * FROM workflows WHERE $1::int IS NOT NULL ORDER BY id",
      workflow_runs: "SELECT * FROM workflow_runs WHERE $1::int IS NOT NULL ORDER BY id",
      segment_members:
        "SELECT * FROM segment_members WHERE $1::int IS NOT NULL ORDER BY segment_id, contact_id"
    }
    for (const [table, sql] of Object.entries(tables)) out[table] = await query(teams.db.url, sql, [other.id])
    return JSON.stringify(out)
  }

  /** Every route of the spec that takes a key, each path filled from `ids`. */
  const routes = (ids: Record<string, Record<string, string>>) => {
    const out: Array<{ method: string; template: string; path: string; family: Family }> = []
    const unknown: Array<string> = []
    for (const [template, item] of Object.entries(openapi.paths as Record<string, Record<string, unknown>>)) {
      for (const [method, operation] of Object.entries(
        item as Record<string, { security?: Array<unknown> }>
      )) {
        if (Array.isArray(operation.security) && operation.security.length === 0) continue
        const family = familyOf(method, template)
        if (family === undefined) {
          unknown.push(`${method} ${template}`)
          continue
        }
        const resource = template.split("/")[1] ?? ""
        const filled = template.replace(
          /\{(\w+)\}/g,
          (_, name: string) => ids[resource]?.[name] ?? `{${name}}`
        )
        if (filled.includes("{")) unknown.push(`${method} ${template}: no sample ${filled}`)
        out.push({ method, template, path: filled, family })
      }
    }
    return { out, unknown }
  }

  const check = (res: Res, cell: Cell, what: string, wrong: Array<string>) => {
    const line = `${what}: ${res.status} ${res.text.slice(0, 140)}`
    if (cell === "ok") {
      // Allowed: whatever the route answers, it is not a refusal of the key or of its scope.
      if (
        res.status === 403 ||
        res.status === 401 ||
        (res.status === 404 && /not found/i.test(String(res.body.error)))
      )
        wrong.push(`expected allowed, ${line}`)
    } else if (res.status !== cell || res.body.code !== (cell === 403 ? "forbidden" : "not_found")) {
      wrong.push(`expected ${cell}, ${line}`)
    } else if (res.text.includes("other.test") || res.text.includes("private content")) {
      wrong.push(`refusal shows the other domain's data, ${line}`)
    }
  }

  beforeAll(async () => {
    const blobDir = mkdtempSync(path.join(tmpdir(), "poststack-blobs-"))
    writeFileSync(path.join(blobDir, "raw"), "Subject: private inbound\r\n\r\nprivate content\r\n")
    writeFileSync(path.join(blobDir, "attachment"), "%PDF-")
    teams = await startTwoTeams({ webhooks: { allowLoopback: true, timeoutMs: 1_000 }, blobDir })
    keys.fullTeam = teams.keyA
    own = await addVerifiedDomain(teams.server.baseUrl, teams.keyA, teams.dns, "own.test")
    other = await addVerifiedDomain(teams.server.baseUrl, teams.keyA, teams.dns, "other.test")
    const scope = String(own.id)
    keys.fullScoped = (
      await newKey({ permission: "full_access", allow_full_access: true, domain_id: scope })
    ).key
    keys.sendingTeam = (await newKey({ permission: "sending_access" })).key
    keys.sendingScoped = (await newKey({ permission: "sending_access", domain_id: scope })).key
    keys.test = (await newKey({ permission: "full_access", allow_full_access: true, mode: "test" })).key

    const hook = await as("fullTeam", "POST", "/webhooks", { url: "http://127.0.0.1:9/hook", events: ["*"] })
    expect(hook.status).toBe(201)
    const hookId = String((hook.body.webhook as { id: number }).id)
    await as("fullTeam", "POST", `/webhooks/${hookId}/test`)
    const deliveries = await as("fullTeam", "GET", `/webhooks/${hookId}/deliveries`)
    const deliveryId = String((deliveries.body.deliveries as Array<{ id: number }>)[0]?.id)
    const suppressed = await as("fullTeam", "POST", "/suppressions", {
      email: "held@example.com",
      reason: "manual"
    })
    expect(suppressed.status).toBe(200)
    const channel = await as("fullTeam", "POST", "/notification-channels", {
      type: "discord",
      name: "team alerts",
      events: ["*"],
      config: { webhookUrl: "http://127.0.0.1:9/api/webhooks/1/team-hook" }
    })
    expect(channel.status, channel.text).toBe(201)
    const channelId = String((channel.body.channel as { publicId: string }).publicId)
    await as("fullTeam", "POST", `/notification-channels/${channelId}/test`)
    const channelDeliveries = await as("fullTeam", "GET", `/notification-channels/${channelId}/deliveries`)
    const channelDeliveryId = String((channelDeliveries.body.deliveries as Array<{ id: number }>)[0]?.id)
    const contact = await as("fullTeam", "POST", "/contacts", { email: "held.contact@example.com" })
    expect(contact.status, contact.text).toBe(201)
    const contactId = String((contact.body.contact as { publicId: string }).publicId)
    const property = await as("fullTeam", "POST", "/contact-properties", {
      name: "tier",
      label: "Tier",
      type: "select",
      options: ["gold"]
    })
    expect(property.status, property.text).toBe(201)
    const propertyId = String((property.body.property as { id: number }).id)
    const form = await as("fullTeam", "POST", "/signup-forms", {
      name: "Held",
      fields: [{ name: "email", type: "email", label: "Email", required: true }]
    })
    expect(form.status, form.text).toBe(201)
    const formId = String((form.body.signupForm as { publicId: string }).publicId)
    const topic = await as("fullTeam", "POST", "/subscription-topics", { name: "Newsletter" })
    expect(topic.status, topic.text).toBe(201)
    const topicId = String((topic.body.topic as { publicId: string }).publicId)
    BODIES["post /subscription-topics/contacts/{contactId}/subscriptions"] = { topic_id: topicId }
    const template = await as("fullTeam", "POST", "/templates", { name: "Held", subject: "s", text: "x" })
    expect(template.status, template.text).toBe(201)
    const templateId = String((template.body.template as { publicId: string }).publicId)
    const segment = await as("fullTeam", "POST", "/segments", { name: "held" })
    expect(segment.status, segment.text).toBe(201)
    const segmentId = String((segment.body.segment as { publicId: string }).publicId)
    await as("fullTeam", "POST", `/segments/${segmentId}/contacts`, { contact_ids: [contactId] })
    const broadcast = await as("fullTeam", "POST", "/broadcasts", {
      segment_id: segmentId,
      from: "news@own.test",
      subject: "Held",
      text: "private content",
      // An A/B test, so that every GET route (variant stats too) has something to answer.
      ab_test: {
        variants: [
          { name: "A", subject: "A", text: "a", weight: 50 },
          { name: "B", subject: "B", text: "b", weight: 50 }
        ]
      }
    })
    expect(broadcast.status, broadcast.text).toBe(201)
    const broadcastId = String((broadcast.body.broadcast as { publicId: string }).publicId)
    const workflow = await as("fullTeam", "POST", "/workflows", { name: "Held", trigger_type: "manual" })
    expect(workflow.status, workflow.text).toBe(201)
    const workflowId = String((workflow.body.workflow as { publicId: string }).publicId)
    const trigger = { public_id: "t", type: "trigger", config: {}, canvas_x: 0, canvas_y: 0 }
    const graph = await as("fullTeam", "PUT", `/workflows/${workflowId}/graph`, {
      nodes: [trigger],
      edges: []
    })
    expect(graph.status, graph.text).toBe(200)
    const activated = await as("fullTeam", "POST", `/workflows/${workflowId}/activate`)
    expect(activated.status, activated.text).toBe(200)
    const run = await as("fullTeam", "POST", `/workflows/${workflowId}/trigger`, { contact_id: contactId })
    expect(run.status, run.text).toBe(201)
    const runId = String((run.body.run as { id: number }).id)
    BODIES["post /workflows/{id}/trigger"] = { contact_id: contactId }
    const exportJob = await as("fullTeam", "POST", "/privacy/exports", { email: "held.contact@example.com" })
    expect(exportJob.status, exportJob.text).toBe(202)
    const jobId = String(exportJob.body.id)
    // No worker runs here: the export is marked finished so its archive route answers 200.
    await query(
      teams.db.url,
      `UPDATE privacy_jobs SET status = 'done', result = '{"format":"poststack.subject-export.v1"}', finished_at = now() WHERE id = $1`,
      [jobId]
    )
    // Account routes name a team, a person, an invitation or a session; none is reachable by a key.
    const [team] = await query<{ id: number }>(teams.db.url, "SELECT min(id)::int AS id FROM teams")
    const teamWide = {
      teams: { teamId: String(team?.id), userId: `usr_${"a".repeat(24)}`, id: `inv_${"b".repeat(24)}` },
      auth: { id: `ses_${"c".repeat(24)}` },
      webhooks: { id: hookId, deliveryId },
      "notification-channels": { id: channelId, deliveryId: channelDeliveryId },
      suppressions: { email: encodeURIComponent("held@example.com") },
      contacts: { id: contactId, email: encodeURIComponent("held.contact@example.com") },
      "contact-properties": { id: propertyId },
      "signup-forms": { id: formId },
      "subscription-topics": { id: topicId, contactId, topicId },
      templates: { id: templateId, presetId: "welcome" },
      segments: { id: segmentId, contactId },
      broadcasts: { id: broadcastId },
      workflows: { id: workflowId, runId, stepId: "1" },
      privacy: { id: jobId }
    }
    Object.assign(ownIds, teamWide, {
      "api-keys": { id: (await newKey({ permission: "sending_access", domain_id: scope })).id },
      domains: { id: String(own.id) },
      emails: { id: await scheduled("news@own.test") },
      inbound: await inbound(own.id, "support@own.test")
    })
    Object.assign(otherIds, teamWide, {
      // A team-wide full-access key: the one a scoped key must not rotate, revoke or read.
      "api-keys": { id: (await newKey({ permission: "full_access", allow_full_access: true })).id },
      domains: { id: String(other.id) },
      emails: { id: await scheduled("news@other.test") },
      inbound: await inbound(other.id, "support@other.test")
    })
  })
  afterAll(async () => {
    await teams.close()
  })

  it("has a family and a sample for every route that takes a key", () => {
    const { out, unknown } = routes(otherIds)
    expect(unknown).toEqual([])
    expect(new Set(out.map((r) => r.family))).toEqual(new Set(Object.keys(TABLE)))
    expect(out.length).toBeGreaterThanOrEqual(45)
  })

  it("scoped keys: every route on the other domain's and the team's resources is refused, and nothing changes", async () => {
    const before = await outsideRows()
    const wrong: Array<string> = []
    for (const kind of ["fullScoped", "sendingScoped"] as const) {
      for (const { method, template, path, family } of routes(otherIds).out) {
        // Creating and listing are checked on their own below: they name no resource.
        if (!template.includes("{")) continue
        const res = await as(kind, method.toUpperCase(), path, BODIES[`${method} ${template}`])
        check(res, TABLE[family][kind].other, `${kind} ${method.toUpperCase()} ${path}`, wrong)
      }
    }
    expect(wrong).toEqual([])
    expect(await outsideRows()).toEqual(before)
    // Two kinds of key over every route, one request at a time: past 30 s on a loaded machine.
  }, 90_000)

  it("every kind of key: each GET route on resources inside the scoped keys' domain answers as the table says", async () => {
    const wrong: Array<string> = []
    for (const kind of KINDS) {
      for (const { method, template, path, family } of routes(ownIds).out) {
        if (method !== "get") continue
        const res = await as(kind, "GET", path)
        check(res, TABLE[family][kind].own, `${kind} GET ${path} (own)`, wrong)
        if (TABLE[family][kind].own === "ok" && res.status !== 200)
          wrong.push(`${kind} GET ${template}: ${res.status}`)
      }
    }
    expect(wrong).toEqual([])
  }, 90_000)

  it("team-wide keys: each GET route on the other domain's resources answers as the table says", async () => {
    const wrong: Array<string> = []
    for (const kind of ["fullTeam", "sendingTeam"] as const) {
      for (const { method, path, family } of routes(otherIds).out) {
        if (method !== "get") continue
        check(await as(kind, "GET", path), TABLE[family][kind].other, `${kind} GET ${path}`, wrong)
      }
    }
    expect(wrong).toEqual([])
  })

  it("lists: a scoped key sees its own domain's rows only, whatever it filters on", async () => {
    for (const kind of ["fullScoped", "sendingScoped"] as const) {
      const emails = await as(kind, "GET", "/emails?per_page=100")
      expect(emails.status).toBe(200)
      const domains = (emails.body.data as Array<{ domainId: number }>).map((e) => e.domainId)
      expect(domains.length).toBeGreaterThan(0)
      expect(new Set(domains)).toEqual(new Set([own.id]))
      for (const param of ["domain_id", "domain"]) {
        const filtered = await as(kind, "GET", `/emails?${param}=${other.id}`)
        expect(filtered.status).toBe(200)
        expect(filtered.body.data).toEqual([])
      }
    }
    const domains = await as("fullScoped", "GET", "/domains")
    expect((domains.body.domains as Array<{ id: number }>).map((d) => d.id)).toEqual([own.id])
    const received = await as("fullScoped", "GET", "/inbound")
    expect((received.body.data as Array<{ domainId: number }>).map((i) => i.domainId)).toEqual([own.id])
    const byName = await as("fullScoped", "GET", "/inbound?domain=other.test")
    expect(byName.body.data).toEqual([])
    const apiKeys = await as("fullScoped", "GET", "/api-keys")
    const scopes = (apiKeys.body.keys as Array<{ domainId: number | null }>).map((k) => k.domainId)
    expect(new Set(scopes)).toEqual(new Set([own.id]))
    // Team-wide keys see both domains.
    const all = await as("sendingTeam", "GET", "/emails?per_page=100")
    expect(new Set((all.body.data as Array<{ domainId: number }>).map((e) => e.domainId))).toEqual(
      new Set([own.id, other.id])
    )
  })

  it("creating: each kind may create exactly what the table says", async () => {
    const before = await outsideRows()
    const wrong: Array<string> = []
    const send = (from: string) => ({ from, to: ["r@example.com"], subject: "s", text: "t" })
    for (const kind of KINDS) {
      for (const [where, from] of [
        ["own", "news@own.test"],
        ["other", "news@other.test"]
      ] as const) {
        const cell = TABLE.send[kind][where]
        for (const route of ["/emails", "/emails/send"]) {
          const res = await as(kind, "POST", route, send(from))
          if (cell === "ok" ? res.status !== 202 : res.status !== 403 || res.body.code !== "forbidden")
            wrong.push(`${kind} POST ${route} from ${where}: ${res.status} ${res.text.slice(0, 100)}`)
        }
        const batch = await as(kind, "POST", "/emails/batch", { emails: [send(from)] })
        const element = (batch.body.data as Array<{ id?: string; code?: string }> | undefined)?.[0]
        if (
          batch.status !== 202 ||
          (cell === "ok" ? element?.id === undefined : element?.code !== "forbidden")
        )
          wrong.push(`${kind} POST /emails/batch from ${where}: ${batch.status} ${batch.text.slice(0, 100)}`)
      }
      const creations: ReadonlyArray<[Family, string, unknown]> = [
        ["domains.create", "/domains", { name: `${kind.toLowerCase()}.example.test` }],
        ["suppressions", "/suppressions", { email: `${kind.toLowerCase()}@example.com`, reason: "manual" }],
        ["webhooks", "/webhooks", { url: "http://127.0.0.1:9/new", events: ["*"] }],
        ["apiKeys", "/api-keys", { name: "child", permission: "sending_access" }],
        [
          "notificationChannels",
          "/notification-channels",
          {
            type: "discord",
            name: kind,
            events: ["*"],
            config: { webhookUrl: "http://127.0.0.1:9/api/webhooks/1/new" }
          }
        ],
        ["emailValidations", "/email-validations", { email: "someone@example.com" }],
        ["preview", "/emails/preview", send("news@other.test")]
      ]
      for (const [family, route, body] of creations) {
        const res = await as(kind, "POST", route, body)
        const cell = TABLE[family][kind].own
        if (cell === "ok" ? res.status < 200 || res.status > 299 : res.status !== cell)
          wrong.push(`${kind} POST ${route}: ${res.status} ${res.text.slice(0, 100)}`)
      }
      for (const [route, family] of [
        ["/suppressions", "suppressions"],
        ["/webhooks", "webhooks"],
        ["/notification-channels", "notificationChannels"]
      ] as const) {
        check(await as(kind, "GET", route), TABLE[family][kind].own, `${kind} GET ${route}`, wrong)
      }
    }
    expect(wrong).toEqual([])
    // Only the team-wide key's suppression, webhook and key were added outside the domain.
    const after = JSON.parse(await outsideRows()) as Record<string, Array<{ email?: string }>>
    expect(after.suppressions?.map((s) => s.email).sort()).toEqual([
      "fullteam@example.com",
      "held@example.com"
    ])
    expect(after.domains).toEqual((JSON.parse(before) as Record<string, unknown>).domains)
  })

  it("a scoped key's children are scoped to its domain; it cannot name another domain", async () => {
    const child = await as("fullScoped", "POST", "/api-keys", { name: "child", permission: "sending_access" })
    expect(child.status).toBe(201)
    expect(child.body.domainId).toBe(own.id)
    for (const domain of [String(other.id), other.publicId]) {
      const res = await as("fullScoped", "POST", "/api-keys", {
        name: "escape",
        permission: "sending_access",
        domain_id: domain
      })
      expectRefusal(res, 403, "forbidden")
    }
  })

  it("a scoped full-access key cannot rotate a team-wide key and receive its replacement", async () => {
    const victim = await newKey({ permission: "full_access", allow_full_access: true })
    const res = await as("fullScoped", "POST", `/api-keys/${victim.id}/rotate`)
    expectRefusal(res, 404, "not_found")
    expect(res.text).not.toContain("sk_live_")
    // The victim still works: it was not rotated behind its owner's back.
    expect((await request(teams.server.baseUrl, victim.key, "GET", "/domains")).status).toBe(200)
  })

  it("a scoped full-access key cannot revoke a team-wide key nor another domain's key", async () => {
    const victims = [
      await newKey({ permission: "sending_access" }),
      await newKey({ permission: "sending_access", domain_id: String(other.id) })
    ]
    for (const victim of victims) {
      expectRefusal(await as("fullScoped", "DELETE", `/api-keys/${victim.id}`), 404, "not_found")
      expect((await request(teams.server.baseUrl, victim.key, "GET", "/emails")).status).toBe(200)
    }
  })

  it("a scoped full-access key cannot edit or delete another domain", async () => {
    expectRefusal(
      await as("fullScoped", "PATCH", `/domains/${other.id}`, { open_tracking: true }),
      404,
      "not_found"
    )
    expectRefusal(await as("fullScoped", "DELETE", `/domains/${other.publicId}`), 404, "not_found")
    const [row] = await query<{ deleted_at: Date | null; open_tracking: boolean }>(
      teams.db.url,
      "SELECT deleted_at, open_tracking FROM domains WHERE id = $1",
      [other.id]
    )
    expect(row).toMatchObject({ deleted_at: null, open_tracking: false })
  })

  it("a scoped full-access key cannot add a team-wide suppression", async () => {
    const res = await as("fullScoped", "POST", "/suppressions", {
      email: "victim@example.com",
      reason: "manual"
    })
    expectRefusal(res, 403, "forbidden")
    const rows = await query(teams.db.url, "SELECT 1 FROM suppressions WHERE email = 'victim@example.com'")
    expect(rows).toEqual([])
  })

  it("a scoped full-access key cannot read another domain's inbound mail", async () => {
    const id = otherIds.inbound?.id
    for (const route of [`/inbound/${id}`, `/inbound/${id}/attachments`]) {
      expectRefusal(await as("fullScoped", "GET", route), 404, "not_found")
    }
    const list = await as("fullScoped", "GET", "/inbound")
    expect(list.text).not.toContain("support@other.test")
  })

  it("a scoped sending key cannot list, read, reschedule or cancel another domain's emails", async () => {
    const id = await scheduled("news@other.test")
    const list = await as("sendingScoped", "GET", "/emails?per_page=100")
    expect(list.text).not.toContain(id)
    expectRefusal(await as("sendingScoped", "GET", `/emails/${id}`), 404, "not_found")
    expectRefusal(await as("sendingScoped", "GET", `/emails/${id}/events`), 404, "not_found")
    const later = new Date(Date.now() + 3 * 86_400_000).toISOString()
    expectRefusal(
      await as("sendingScoped", "PATCH", `/emails/${id}`, { scheduled_at: later }),
      404,
      "not_found"
    )
    expectRefusal(await as("sendingScoped", "POST", `/emails/${id}/cancel`), 404, "not_found")
    const [row] = await query<{ status: string }>(
      teams.db.url,
      "SELECT status FROM emails WHERE public_id = $1",
      [id]
    )
    expect(row?.status).toBe("scheduled")
  })

  it("inside its domain a scoped key acts: rotate, rename and revoke its domain's keys, reschedule and cancel its emails, edit its domain", async () => {
    const child = await newKey({ permission: "sending_access", domain_id: String(own.id) })
    const rotated = await as("fullScoped", "POST", `/api-keys/${child.id}/rotate`)
    expect(rotated.status).toBe(200)
    expect(String(rotated.body.key)).toMatch(/^sk_live_/)
    expect(
      (await as("fullScoped", "PATCH", `/api-keys/${rotated.body.id}`, { name: "renamed" })).status
    ).toBe(200)
    expect((await as("fullScoped", "DELETE", `/api-keys/${rotated.body.id}`)).status).toBe(200)
    for (const kind of ["fullScoped", "sendingScoped"] as const) {
      const id = await scheduled("news@own.test")
      const later = new Date(Date.now() + 3 * 86_400_000).toISOString()
      expect((await as(kind, "PATCH", `/emails/${id}`, { scheduled_at: later })).status).toBe(200)
      expect((await as(kind, "POST", `/emails/${id}/cancel`)).status).toBe(200)
    }
    expect((await as("fullScoped", "PATCH", `/domains/${own.id}`, { click_tracking: true })).status).toBe(200)
    const mail = ownIds.inbound?.id
    expect((await as("fullScoped", "POST", `/inbound/${mail}/draft-reply`, {})).status).toBe(200)
  })

  it("test keys: manage test keys only, never a live one (no live key comes out of a test key)", async () => {
    const live = await newKey({ permission: "sending_access" })
    const test = await newKey({ permission: "sending_access", mode: "test" })
    const listed = await as("test", "GET", "/api-keys")
    expect(new Set((listed.body.keys as Array<{ mode: string }>).map((k) => k.mode))).toEqual(
      new Set(["test"])
    )
    for (const [method, route, body] of [
      ["GET", `/api-keys/${live.id}`, undefined],
      ["PATCH", `/api-keys/${live.id}`, { name: "taken" }],
      ["POST", `/api-keys/${live.id}/rotate`, undefined],
      ["DELETE", `/api-keys/${live.id}`, undefined]
    ] as const) {
      const res = await as("test", method, route, body)
      expectRefusal(res, 404, "not_found")
    }
    expectRefusal(
      await as("test", "POST", "/api-keys", { name: "live", permission: "sending_access", mode: "live" }),
      403,
      "forbidden"
    )
    expect((await request(teams.server.baseUrl, live.key, "GET", "/emails")).status).toBe(200)
    const rotated = await as("test", "POST", `/api-keys/${test.id}/rotate`)
    expect(rotated.status).toBe(200)
    expect(String(rotated.body.key)).toMatch(/^sk_test_/)
  })
})

describe("key scopes: the SMTP relay holds the sending row of the table", () => {
  let teams: TwoTeams
  let port: number
  const keys = {} as Record<Kind, string>

  beforeAll(async () => {
    port = await freePort()
    const tls = await Effect.runPromise(SmtpTls.selfSigned("smtp.poststack.test"))
    teams = await startTwoTeams({
      doors: SmtpSubmissionServer.layer({
        host: "127.0.0.1",
        implicitTlsPorts: [port],
        starttlsPort: null,
        tls,
        name: "smtp.poststack.test",
        maxMessageBytes: 256 * 1024,
        perKey: { limit: 1000, windowMs: 1000 },
        authFailuresPerAddress: { limit: 1000, windowMs: 60_000 }
      })
    })
    await addVerifiedDomain(teams.server.baseUrl, teams.keyA, teams.dns, "own.test")
    await addVerifiedDomain(teams.server.baseUrl, teams.keyA, teams.dns, "other.test")
    const [own] = await query<{ id: number }>(teams.db.url, "SELECT id FROM domains WHERE name = 'own.test'")
    const make = async (body: Record<string, unknown>) => {
      const res = await request(teams.server.baseUrl, teams.keyA, "POST", "/api-keys", {
        name: "smtp",
        ...body
      })
      expect(res.status).toBe(201)
      return String(res.body.key)
    }
    keys.fullTeam = teams.keyA
    keys.fullScoped = await make({ permission: "full_access", allow_full_access: true, domain_id: own?.id })
    keys.sendingTeam = await make({ permission: "sending_access" })
    keys.sendingScoped = await make({ permission: "sending_access", domain_id: own?.id })
  })
  afterAll(async () => {
    await teams.close()
  })

  it("each kind of key relays from the domains the table allows, and is refused with 553 elsewhere", async () => {
    const wrong: Array<string> = []
    for (const kind of KINDS) {
      const transport = nodemailer.createTransport({
        host: "127.0.0.1",
        port,
        secure: true,
        auth: { user: "poststack", pass: keys[kind] },
        tls: { rejectUnauthorized: false }
      })
      for (const where of ["own", "other"] as const) {
        const cell = TABLE.send[kind][where]
        const result = await transport
          .sendMail({ from: `news@${where}.test`, to: "r@example.com", subject: "s", text: "t" })
          .then(
            (info) => ({ code: Number(info.response.slice(0, 3)), text: info.response }),
            (error: { responseCode?: number; response?: string }) => ({
              code: error.responseCode ?? 0,
              text: error.response ?? ""
            })
          )
        if (cell === "ok" ? result.code !== 250 : result.code !== 553)
          wrong.push(`${kind} from ${where}: ${result.code} ${result.text}`)
      }
      transport.close()
    }
    expect(wrong).toEqual([])
  })
})
