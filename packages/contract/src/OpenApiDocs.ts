import { accountOperations, keyOnlyOperations, SESSION_AUTH } from "./AccountDocs.js"

/**
 * The summary and description of each operation on the reference page (`/docs`), by operation
 * id. Kept apart from the groups so the contract's shapes and their prose can change separately.
 * An operation missing here still gets a summary made from its id.
 */
const operations: Readonly<Record<string, readonly [summary: string, description: string]>> = {
  "health.healthz": ["Liveness", "Answers 200 while the process runs. No key needed."],
  "health.readyz": [
    "Readiness",
    "Answers 200 once the database answers and its schema is current, 503 otherwise. No key needed."
  ],
  "apiKeys.create": [
    "Create an API key",
    "Mints a key (`sk_live_…` or `sk_test_…`). Its secret is in this answer only; store it. A `full_access` key needs `allow_full_access: true`."
  ],
  "auditLog.list": [
    "Read the audit log",
    "Who did what in the team (keys created, rotated, revoked; domains, webhooks, channels, suppressions changed; sign-ins and member changes), with address, user agent and time, newest first. Filter by `action`, `actor_type`/`actor_id` and `from`/`to`. Entries are kept 90 days. Full-access keys only."
  ],
  "requestLogs.list": [
    "List API requests",
    "Every authenticated request of the team: route template, method, status, key, address, user agent, time and duration, newest first; never bodies, keys or query strings. Filter by `status` (`2xx`…`5xx`), `method`, `endpoint`, `api_key_id` and `from`/`to`. Kept 30 days by default. Full-access keys only."
  ],
  "apiKeys.list": ["List API keys", "The team's keys, without their secrets."],
  "apiKeys.get": ["Get an API key", "One key of the team, without its secret."],
  "apiKeys.update": ["Rename an API key", "Changes the key's name; permission and mode stay."],
  "apiKeys.revoke": ["Revoke an API key", "The key stops authenticating at once."],
  "apiKeys.rotate": [
    "Rotate an API key",
    "Replaces the key with a new one of the same attributes (a new id); the old secret stops working at once."
  ],
  "domains.create": [
    "Add a sending domain",
    "Creates the domain with its DKIM key and answers the DNS records to publish. It stays `pending` until they are served."
  ],
  "domains.list": ["List domains", "The team's sending domains with their records and statuses."],
  "domains.get": ["Get a domain", "One domain, by numeric id or `dom_` id."],
  "domains.update": ["Update a domain", "Changes tracking, TLS, inbound and return-path settings."],
  "domains.delete": [
    "Delete a domain",
    "Removes the domain and revokes the keys scoped to it; its mail history stays."
  ],
  "domains.verify": [
    "Check a domain's DNS now",
    "Looks up every record at once and answers the domain with the fresh statuses."
  ],
  "domains.startDkimRotation": [
    "Start a DKIM rotation",
    "Makes a new key with a new selector; it signs only once its record is published and activated."
  ],
  "domains.cancelDkimRotation": [
    "Cancel a DKIM rotation",
    "Drops the pending key; the active one keeps signing."
  ],
  "domains.activateDkimRotation": [
    "Activate a DKIM rotation",
    "Schedules the switch to the new key once its record is served (`?force=true` switches at once)."
  ],
  "domains.dmarcReports": ["List DMARC reports", "Aggregate reports received for the domain, newest first."],
  "domains.dmarcStats": ["DMARC statistics", "Daily pass and fail counts from the aggregate reports."],
  "domains.dmarcSources": ["DMARC sources", "The addresses sending as the domain, with their results."],
  "domains.assignIp": [
    "Pin a dedicated IP",
    "Sends the domain's mail from one of the configured dedicated addresses."
  ],
  "domains.unassignIp": [
    "Unpin the dedicated IP",
    "The domain's mail goes out from the shared addresses again."
  ],
  "domains.placement": ["Inbox placement", "Where the domain's mail landed, as far as it is known."],
  "emails.send": [
    "Send an email",
    "Accepts an email for delivery (202) once it is committed. The `from` domain must be verified. Test keys simulate the outcome."
  ],
  "emails.sendAlias": ["Send an email (alias)", "The same as `POST /emails`."],
  "emails.batch": ["Send a batch", "Up to 100 emails in one call, each accepted as by `POST /emails`."],
  "emails.list": ["List emails", "The team's emails, newest first, with filters."],
  "emails.get": ["Get an email", "One email with its status and content."],
  "emails.reschedule": [
    "Reschedule an email",
    "Moves a scheduled email's send time, until delivery has begun."
  ],
  "emails.cancel": ["Cancel an email", "Stops a scheduled or queued email, until delivery has begun."],
  "emails.events": [
    "An email's events",
    "Everything that happened to the email: queued, sent, delivered, bounced, opened…"
  ],
  "webhooks.create": [
    "Create a webhook endpoint",
    "Registers a public URL for events. Its signing secret is in this answer only."
  ],
  "webhooks.list": ["List webhook endpoints", "The team's endpoints, without their secrets."],
  "webhooks.get": ["Get a webhook endpoint", "One endpoint, without its secret."],
  "webhooks.update": [
    "Update a webhook endpoint",
    "Changes its URL, events or state; enabling it resumes queued deliveries."
  ],
  "webhooks.delete": ["Delete a webhook endpoint", "Removes the endpoint and its deliveries."],
  "webhooks.test": [
    "Send a test event",
    "Sends a `webhook.test` event at once and answers the endpoint's reply."
  ],
  "webhooks.deliveries": [
    "List webhook deliveries",
    "Each event sent to the endpoint, with its attempts' outcome."
  ],
  "webhooks.batchReplay": [
    "Replay deliveries",
    "Queues failed deliveries of a period again, with their event ids."
  ],
  "webhooks.replay": ["Replay a delivery", "Queues one delivery again, with the same event id."],
  "webhooks.rotateSecret": [
    "Rotate the signing secret",
    "Makes a new secret; for a while both sign, the new one first."
  ],
  "inbound.list": ["List received mail", "Mail received for the team's inbound domains, newest first."],
  "inbound.get": [
    "Get received mail",
    "One received message with its parsed content and authentication results."
  ],
  "inbound.delete": ["Delete received mail", "Removes the message and its stored files."],
  "inbound.attachments": ["List attachments", "The attachments of a received message."],
  "inbound.attachment": ["Download an attachment", "The attachment's bytes, in its own content type."],
  "inbound.draftReply": ["Draft a reply", "The headers and threading a reply to the message needs."],
  "inbound.reply": ["Reply", "Sends a reply in the message's thread."],
  "inbound.forward": ["Forward", "Sends the message on to other recipients."],
  "suppressions.list": ["List suppressions", "Addresses that are not sent to, newest first."],
  "suppressions.add": [
    "Suppress an address",
    "Stops all mail to the address; adding it again keeps the first entry."
  ],
  "suppressions.remove": ["Remove a suppression", "Mail to the address is sent again."],
  "tracking.open": ["Open pixel", "The 1x1 image in tracked mail; records an open. Signed link, no key."],
  "tracking.click": ["Tracked link", "Records a click and redirects to the target. Signed link, no key."],
  "tracking.unsubscribePage": [
    "Unsubscribe page",
    "Shows a confirmation page; changes nothing. Signed link, no key."
  ],
  "tracking.unsubscribe": [
    "Unsubscribe",
    "One-click unsubscribe (RFC 8058) or the page's button: suppresses the recipient. Signed link, no key."
  ],
  "segments.create": [
    "Create a segment",
    "A manual segment (no `rules`) or a rule segment; rules are checked against the team's contact properties (422 naming the condition that does not fit)."
  ],
  "segments.list": [
    "List segments",
    "The team's segments, newest first, each with its current `contactCount`."
  ],
  "segments.get": ["Get a segment", "One segment with its count and `contacts`, its first 100 members."],
  "segments.update": [
    "Update a segment",
    "Renames it or changes its rules; `rules: null` makes it a manual segment. Changing the rules drops a manual member list."
  ],
  "segments.delete": ["Delete a segment", "The segment goes; its contacts stay."],
  "segments.addContacts": [
    "Add contacts to a manual segment",
    "1 to 1,000 `con_` ids, all or none: an id that is not a contact of the team is 400 and nothing is added. `added` counts the new members."
  ],
  "segments.removeContact": ["Remove a contact from a manual segment", "The contact stays in the team."],
  "segments.members": ["List a segment's members", "A page of contacts (`per_page` default 50, max 100)."],
  "segments.growth": [
    "A manual segment's growth",
    "Members by day over the last `days` days; rule segments answer `available: false`."
  ],
  "segments.broadcasts": [
    "Broadcasts sent to a segment",
    "Newest first; empty until broadcasts exist on this server."
  ],
  "segments.preview": [
    "Count the contacts rules select",
    "Evaluates the rules now and answers `{count}`; nothing is stored."
  ],
  ...accountOperations
}

/** "emails.spamPreview" → "Spam preview". */
const fromId = (id: string) => {
  const name = (id.split(".").at(-1) ?? id).replace(/([A-Z])/g, " $1").toLowerCase()
  return name.charAt(0).toUpperCase() + name.slice(1)
}

const AUTH =
  "Every route but health and the signed tracking links needs `Authorization: Bearer <API key>`. On this page, put the key under Authentication to try calls."

/**
 * Adds each operation's summary and description, lists the session cookie beside the bearer key
 * on the operations that take either (the middleware declares bearer alone, see
 * `Authentication`), and describes both schemes so the reference page asks for a key.
 */
export const describeOperations = (spec: Record<string, unknown>): Record<string, unknown> => {
  const paths = (spec.paths ?? {}) as Record<string, Record<string, Record<string, unknown>>>
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const id = String(operation.operationId ?? `${method} ${path}`)
      const [summary, description] = operations[id] ?? [fromId(id), `${method.toUpperCase()} ${path}.`]
      operation.summary ??= summary
      operation.description ??= description
      const security = operation.security as ReadonlyArray<Record<string, unknown>> | undefined
      const bearerOnly = security?.length === 1 && "bearer" in (security[0] ?? {})
      if (bearerOnly && !keyOnlyOperations.has(id)) operation.security = [{ session: [] }, { bearer: [] }]
    }
  }
  const components = (spec.components ?? {}) as { securitySchemes?: Record<string, Record<string, unknown>> }
  const bearer = components.securitySchemes?.bearer
  if (bearer !== undefined) {
    bearer.bearerFormat = "API key (sk_live_… or sk_test_…)"
    bearer.description = AUTH
  }
  const session = components.securitySchemes?.session
  if (session !== undefined) session.description = SESSION_AUTH
  return spec
}
