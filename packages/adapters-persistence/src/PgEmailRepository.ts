import { SqlClient } from "@effect/sql"
import { type AcceptResult, EmailRepository, type NewEmail } from "@poststack/application"
import { randomUUID } from "node:crypto"
import type {
  Domain,
  EmailEvent,
  EmailEventDetail,
  EmailEventType,
  EmailRecord,
  EmailStatus,
  SuppressionReason
} from "@poststack/domain"
import { aggregateStatus, findTextProblem, MAILBOX_PROVIDERS } from "@poststack/domain"
import { Array as Arr, Clock, Effect, Layer, Option } from "effect"
import {
  EVENT_EMAIL_COLUMNS,
  type EventEmailRow,
  encodedEmailEvent,
  eventEmail,
  insertEmailEvents
} from "./EmailEvents.js"
import { lockProgress, notFound, refused, written } from "./EmailProgressLock.js"
import { groupCommit } from "./GroupCommit.js"
import { unavailable } from "./SqlErrors.js"

interface EmailRow {
  readonly id: string
  readonly public_id: string
  readonly team_id: number
  readonly domain_id: number
  readonly from_address: string
  readonly from_name: string | null
  readonly to_addresses: ReadonlyArray<string>
  readonly cc_addresses: ReadonlyArray<string>
  readonly bcc_addresses: ReadonlyArray<string>
  readonly reply_to: ReadonlyArray<string>
  readonly subject: string
  readonly headers: Record<string, string>
  readonly tags: ReadonlyArray<string>
  readonly status: EmailStatus
  readonly test_mode: boolean
  readonly unsubscribe_enabled: boolean
  readonly scheduled_at: Date | null
  readonly sent_at: Date | null
  readonly created_at: Date
  readonly message_id: string
}

const COLUMNS = `id, public_id, team_id, domain_id, from_address, from_name, to_addresses, cc_addresses, bcc_addresses,
  reply_to, subject, headers, tags, status, test_mode, unsubscribe_enabled, scheduled_at, sent_at, created_at, message_id`

const toRecord = (row: EmailRow): EmailRecord => ({
  id: Number(row.id),
  publicId: row.public_id,
  teamId: row.team_id,
  domainId: row.domain_id,
  fromAddress: row.from_address,
  fromName: row.from_name,
  toAddresses: row.to_addresses,
  ccAddresses: row.cc_addresses,
  bccAddresses: row.bcc_addresses,
  replyTo: row.reply_to,
  subject: row.subject,
  headers: row.headers,
  tags: row.tags,
  status: row.status,
  testMode: row.test_mode,
  unsubscribeEnabled: row.unsubscribe_enabled,
  scheduledAt: row.scheduled_at,
  sentAt: row.sent_at,
  createdAt: row.created_at,
  messageId: row.message_id
})

/** `%`, `_` and `\` match themselves in a LIKE pattern built from user text. */
const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

interface AcceptRow {
  readonly n: number
  readonly accepted_id: string
  readonly accepted_hash: string | null
  readonly created: boolean
}

/** The most emails accepted by one call. */
const MAX_ACCEPT_BATCH = 100

/** The team's suppression entries among a batch's recipients, by `<team>:<lower-case address>`. */
type Suppressed = ReadonlyMap<string, { readonly id: number; readonly reason: SuppressionReason }>

const suppressionKey = (teamId: number, address: string) => `${teamId}:${address.toLowerCase()}`

/**
 * One email as an item of `accept_emails` (see migrations 0012 and 0026): its rows and its first
 * events, encoded here, each recipient on the suppression list getting a suppressed delivery and a
 * `suppressed` event naming the entry.
 */
const acceptArguments = (email: NewEmail, suppressed: Suppressed, at: Date) => {
  const byKind = (kind: "to" | "cc" | "bcc") =>
    email.recipients.filter((r) => r.kind === kind).map((r) => r.address)
  const base64 = (bytes: Uint8Array) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")
  const entries = email.recipients.map((r) => suppressed.get(suppressionKey(email.teamId, r.address)))
  const firstStatus = email.scheduledAt === null ? "queued" : "scheduled"
  const publicId = `em_${randomUUID().replaceAll("-", "")}`
  const summarized = {
    id: 0,
    teamId: email.teamId,
    publicId,
    fromAddress: email.fromAddress,
    fromName: email.fromName,
    to: byKind("to"),
    subject: email.subject,
    tags: email.tags,
    testMode: email.testMode
  }
  const details: ReadonlyArray<EmailEventDetail> = [
    email.scheduledAt === null
      ? { type: "queued", metadata: {} }
      : { type: "scheduled", metadata: { scheduled_at: email.scheduledAt.toISOString() } },
    ...email.recipients.flatMap((r, k): ReadonlyArray<EmailEventDetail> => {
      const entry = entries[k]
      return entry === undefined
        ? []
        : [
            {
              type: "suppressed",
              metadata: { recipient: r.address, reason: entry.reason, suppression_id: entry.id }
            }
          ]
    })
  ]
  return {
    public_id: publicId,
    created_at: at,
    team_id: email.teamId,
    api_key_id: email.apiKeyId,
    domain_id: email.domainId,
    domain_name: email.domainName,
    from_address: email.fromAddress,
    from_name: email.fromName,
    to: byKind("to"),
    cc: byKind("cc"),
    bcc: byKind("bcc"),
    recipients: email.recipients.map((r) => r.address),
    kinds: email.recipients.map((r) => r.kind),
    statuses: entries.map((entry) => (entry === undefined ? firstStatus : "suppressed")),
    suppression_reasons: entries.map((entry) => entry?.reason ?? null),
    reply_to: email.replyTo,
    subject: email.subject,
    html: email.html,
    text: email.text,
    headers: email.headers,
    tags: email.tags,
    message_id: email.messageId,
    test_mode: email.testMode,
    unsubscribe: email.unsubscribe,
    track_opens: email.trackOpens,
    track_clicks: email.trackClicks,
    idempotency_key: email.idempotencyKey,
    request_hash: email.requestHash,
    system: email.system,
    scheduled_at: email.scheduledAt,
    raw_mime: email.rawMime === null ? null : base64(email.rawMime),
    attachment_names: email.attachments.map((a) => a.filename),
    attachment_types: email.attachments.map((a) => a.contentType),
    attachment_ids: email.attachments.map((a) => a.contentId),
    attachment_contents: email.attachments.map((a) => base64(a.content)),
    events: details.map((detail) => ({
      ...encodedEmailEvent(summarized, detail, at),
      recipient: detail.type === "suppressed" ? detail.metadata.recipient : null
    })),
    first_attempt_at: email.scheduledAt ?? at,
    // The email's status: that of its deliveries, all suppressed or not.
    status: entries.every((entry) => entry !== undefined)
      ? aggregateStatus(["suppressed"])
      : email.scheduledAt === null
        ? aggregateStatus(["queued"])
        : "scheduled"
  }
}

const UNSTORABLE = "unstorable"

/**
 * One email as JSON for `accept_emails`, or `UNSTORABLE`. JSON can carry what PostgreSQL's `jsonb`
 * refuses: `\u0000` and a lone surrogate (`JSON.stringify` writes both as escapes, and nothing
 * else as `\u0000` or `\ud800`-`\udfff`), so only an item whose text has such an escape is walked.
 */
const acceptItem = (email: NewEmail, suppressed: Suppressed, at: Date): string => {
  const item = acceptArguments(email, suppressed, at)
  const json = JSON.stringify(item)
  return /\\u(?:0000|d[89a-f])/.test(json) && findTextProblem(item) !== undefined ? UNSTORABLE : json
}

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(COLUMNS)
  const eventColumns = sql.literal(EVENT_EMAIL_COLUMNS)
  // The email as its events name it (its row is locked already by `lockProgress`).
  const emailForEvents = (id: string) =>
    Effect.flatMap(sql<EventEmailRow>`SELECT ${eventColumns} FROM emails e WHERE e.id = ${id}`, (rows) =>
      rows[0] === undefined ? Effect.dieMessage("locked email gone") : Effect.succeed(eventEmail(rows[0]))
    )
  // One call, so one atomic and durable commit and one round trip for every email in it: each
  // email, its deliveries, attachments, first events and their outbox twins, or nothing at all.
  // Each email's row is looked up after the call: a missing one fails that caller alone, since
  // failing the call would write its committed emails again one by one.
  // An email whose text PostgreSQL would refuse (the use cases refuse it first) fails alone
  // instead of failing the call, which would write every other email of it one by one.
  // The suppression list is read first, so the events are built here: a recipient listed between
  // the read and the write is caught when its delivery is claimed (see `suppressedAtDelivery`).
  const acceptRows = yield* groupCommit<NewEmail, AcceptRow | undefined | typeof UNSTORABLE>(
    (batch) =>
      Effect.gen(function* () {
        const recipients = batch.flatMap((email) =>
          email.recipients.map((r) => [email.teamId, r.address] as const)
        )
        const listed = yield* sql<{ team_id: number; email: string; id: number; reason: SuppressionReason }>`
          SELECT s.team_id, s.email, s.id, s.reason
          FROM unnest(${recipients.map(([team]) => team)}::int[], ${recipients.map(([, address]) => address)}::text[])
            AS r(team_id, address)
          JOIN suppressions s ON s.team_id = r.team_id AND lower(s.email) = lower(r.address)`
        const suppressed: Suppressed = new Map(
          listed.map((s) => [suppressionKey(s.team_id, s.email), { id: s.id, reason: s.reason }])
        )
        const at = new Date(yield* Clock.currentTimeMillis)
        const items = batch.map((email) => acceptItem(email, suppressed, at))
        const storable = items.filter((item) => item !== UNSTORABLE)
        if (storable.length === 0) return items.map((): typeof UNSTORABLE => UNSTORABLE)
        const rows = yield* sql<AcceptRow>`
          SELECT n, accepted_id, accepted_hash, created
          FROM accept_emails(${`[${storable.join(",")}]`}::jsonb)`
        const byItem = new Map(rows.map((row) => [row.n, row]))
        let n = 0
        return items.map((item) => (item === UNSTORABLE ? UNSTORABLE : byItem.get(n++)))
      }).pipe(unavailable),
    MAX_ACCEPT_BATCH
  )
  const accept = (email: NewEmail) =>
    Effect.flatMap(acceptRows(email), (row) =>
      row === UNSTORABLE
        ? Effect.dieMessage("email with text PostgreSQL cannot store (NUL or a lone surrogate)")
        : row === undefined
          ? Effect.dieMessage("idempotency conflict without a row")
          : Effect.succeed<AcceptResult>(
              row.created
                ? { _tag: "Created", publicId: row.accepted_id }
                : { _tag: "Existing", publicId: row.accepted_id, requestHash: row.accepted_hash }
            )
    )

  return EmailRepository.of({
    // Emails accepted at the same moment are written together (see GroupCommit).
    accept,
    list: (teamId, filter, page, perPage) =>
      Effect.gen(function* () {
        // System mail is the operator team's only in storage: no read of that team shows it.
        const where = [sql`team_id = ${teamId}`, sql`NOT system`]
        if (filter.statuses !== undefined) where.push(sql`status = ANY (${[...filter.statuses]})`)
        if (filter.domainId !== undefined) where.push(sql`domain_id = ${filter.domainId}`)
        if (filter.from !== undefined) where.push(sql`created_at >= ${filter.from}`)
        if (filter.to !== undefined) where.push(sql`created_at < ${filter.to}`)
        if (filter.tag !== undefined) where.push(sql`${filter.tag} = ANY (tags)`)
        if (filter.sender !== undefined)
          where.push(sql`from_address ILIKE ${`%${likeEscape(filter.sender)}%`}`)
        if (filter.subject !== undefined) where.push(sql`subject ILIKE ${`%${likeEscape(filter.subject)}%`}`)
        if (filter.recipient !== undefined) {
          const pattern = `%${likeEscape(filter.recipient)}%`
          where.push(
            sql`EXISTS (SELECT 1 FROM unnest(to_addresses || cc_addresses || bcc_addresses) AS r WHERE r ILIKE ${pattern})`
          )
        }
        if (filter.provider !== undefined) {
          const provider = MAILBOX_PROVIDERS.find((p) => p.name === filter.provider)
          if (provider === undefined) return { emails: [], total: 0 }
          // The same patterns as the domain's `providerOf`, which are POSIX regular expressions too.
          where.push(sql`lower(split_part(to_addresses[1], '@', 2)) ~ ${provider.domains.source}`)
        }
        if (filter.country !== undefined)
          where.push(
            sql`EXISTS (SELECT 1 FROM email_events ev WHERE ev.email_id = emails.id
                AND coalesce(ev.geo_country, ev.metadata->'location'->>'country') = ${filter.country})`
          )
        if (filter.device !== undefined)
          where.push(
            sql`EXISTS (SELECT 1 FROM email_events ev WHERE ev.email_id = emails.id
                AND lower(ev.ua_device_type) = ${filter.device.toLowerCase()})`
          )
        const condition = sql.and(where)
        const rows = yield* sql<EmailRow>`
          SELECT ${columns} FROM emails WHERE ${condition}
          ORDER BY created_at DESC, id DESC LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`
        const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM emails WHERE ${condition}`
        return { emails: rows.map(toRecord), total: counted[0]?.n ?? 0 }
      }).pipe(unavailable),
    get: (teamId, publicId) =>
      sql<EmailRow & { html_body: string | null; text_body: string | null }>`
        SELECT ${columns}, html_body, text_body FROM emails WHERE team_id = ${teamId} AND public_id = ${publicId} AND NOT system`.pipe(
        Effect.map((rows) =>
          Option.map(Arr.head(rows), (row) => ({
            ...toRecord(row),
            htmlBody: row.html_body,
            textBody: row.text_body
          }))
        ),
        unavailable
      ),
    events: (teamId, publicId) =>
      Effect.gen(function* () {
        const email = yield* sql<{ id: string }>`
          SELECT id FROM emails WHERE team_id = ${teamId} AND public_id = ${publicId} AND NOT system`
        const id = email[0]?.id
        if (id === undefined) return Option.none<ReadonlyArray<EmailEvent>>()
        const rows = yield* sql<{
          id: string
          email_id: string
          event_type: EmailEventType
          metadata: Record<string, unknown> | null
          created_at: Date
          ua_client_name: string | null
          ua_client_type: string | null
          ua_os: string | null
          ua_device_type: string | null
          is_prefetch: boolean
          geo_country: string | null
          geo_region: string | null
          geo_city: string | null
        }>`
          SELECT id, email_id, event_type, metadata, created_at, ua_client_name, ua_client_type, ua_os, ua_device_type,
                 is_prefetch,
                 -- Where an open or click came from is recorded in its metadata (as webhooks carry it).
                 coalesce(geo_country, metadata->'location'->>'country') AS geo_country,
                 coalesce(geo_region, metadata->'location'->>'region') AS geo_region,
                 coalesce(geo_city, metadata->'location'->>'city') AS geo_city
          FROM email_events WHERE email_id = ${id} ORDER BY id`
        return Option.some(
          rows.map((r) => ({
            id: Number(r.id),
            emailId: Number(r.email_id),
            eventType: r.event_type,
            metadata: r.metadata,
            createdAt: r.created_at,
            reader: {
              clientName: r.ua_client_name,
              clientType: r.ua_client_type,
              os: r.ua_os,
              deviceType: r.ua_device_type,
              isPrefetch: r.is_prefetch
            },
            location: { country: r.geo_country, region: r.geo_region, city: r.geo_city }
          }))
        )
      }).pipe(unavailable),
    cancel: (teamId, publicId, allowed) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const progress = yield* lockProgress(sql, teamId, publicId)
            if (progress === undefined) return notFound
            if (!allowed(progress)) return refused(progress)
            yield* sql`
              UPDATE deliveries SET status = 'cancelled' WHERE email_id = ${progress.id} AND status IN ('scheduled', 'queued')`
            yield* sql`UPDATE emails SET status = 'cancelled' WHERE id = ${progress.id}`
            yield* insertEmailEvents(sql, [
              {
                email: yield* emailForEvents(progress.id),
                deliveryId: null,
                detail: { type: "cancelled", metadata: {} },
                at: new Date(yield* Clock.currentTimeMillis)
              }
            ])
            return written
          })
        )
        .pipe(unavailable),
    placementRows: (domainId, since) =>
      sql<{ recipient: string; status: string; complained: boolean; last_reply: string | null; at: Date }>`
        SELECT d.recipient, d.status, e.status = 'complained' AS complained, d.last_reply,
               coalesce(d.delivered_at, d.next_attempt_at, d.created_at) AS at
        FROM deliveries d JOIN emails e ON e.id = d.email_id
        WHERE e.domain_id = ${domainId} AND NOT e.test_mode AND NOT e.system AND d.created_at >= ${since}
          AND d.status IN ('delivered', 'deferred', 'bounced', 'failed')
        ORDER BY d.id DESC LIMIT 50000`.pipe(
        Effect.map((rows) =>
          rows.map((r) => ({
            recipientDomain: r.recipient.slice(r.recipient.lastIndexOf("@") + 1),
            status: r.status,
            complained: r.complained,
            lastReply: r.last_reply,
            at: r.at
          }))
        ),
        unavailable
      ),
    loadForDelivery: (emailIds) =>
      Effect.gen(function* () {
        const rows = yield* sql<
          EmailRow & {
            html_body: string | null
            text_body: string | null
            raw_mime: Buffer | null
            domain_name: string
            return_path_label: string
            local_address: string | null
            track_opens: boolean
            track_clicks: boolean
            tracking_domain: string | null
            tls_mode: Domain["tlsMode"]
            has_attachments: boolean
          }
        >`
          SELECT ${sql.literal(
            COLUMNS.split(",")
              .map((c) => `e.${c.trim()}`)
              .join(", ")
          )}, e.html_body, e.text_body, e.raw_mime,
                 d.name AS domain_name, d.return_path_label, ip.address AS local_address,
                 e.track_opens, e.track_clicks, d.tls_mode,
                 -- Links go to the domain's own tracking host only once DNS shows its CNAME to us.
                 CASE WHEN EXISTS (
                   SELECT 1 FROM jsonb_array_elements(d.dns_records) r
                   WHERE r->>'purpose' = 'tracking' AND r->>'status' = 'verified' AND r->>'name' = d.tracking_domain
                 ) THEN d.tracking_domain END AS tracking_domain,
                 EXISTS (SELECT 1 FROM email_attachments a WHERE a.email_id = e.id) AS has_attachments
          FROM emails e JOIN domains d ON d.id = e.domain_id LEFT JOIN ip_addresses ip ON ip.id = d.ip_address_id
          WHERE e.id = ANY(${emailIds}::bigint[])`
        const withAttachments = rows.filter((r) => r.has_attachments).map((r) => r.id)
        const attachments =
          withAttachments.length === 0
            ? []
            : yield* sql<{
                email_id: string
                filename: string
                content_type: string | null
                content_id: string | null
                content: Buffer
              }>`
                SELECT email_id, filename, content_type, content_id, content FROM email_attachments
                WHERE email_id = ANY(${withAttachments}::bigint[]) ORDER BY id`
        const attachmentsOf = Arr.groupBy(attachments, (a) => a.email_id)
        return new Map(
          rows.map((row) => [
            Number(row.id),
            {
              record: toRecord(row),
              htmlBody: row.html_body,
              textBody: row.text_body,
              attachments: (attachmentsOf[row.id] ?? []).map((a) => ({
                filename: a.filename,
                contentType: a.content_type,
                contentId: a.content_id,
                content: new Uint8Array(a.content)
              })),
              rawMime: row.raw_mime === null ? null : new Uint8Array(row.raw_mime),
              domainName: row.domain_name,
              returnPathHost: `${row.return_path_label}.${row.domain_name}`,
              localAddress: row.local_address,
              trackOpens: row.track_opens,
              trackClicks: row.track_clicks,
              trackingDomain: row.tracking_domain,
              tlsMode: row.tls_mode
            }
          ])
        )
      }).pipe(unavailable),
    reschedule: (teamId, publicId, at, allowed) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const progress = yield* lockProgress(sql, teamId, publicId)
            if (progress === undefined) return notFound
            if (!allowed(progress)) return refused(progress)
            yield* sql`
              UPDATE deliveries SET next_attempt_at = ${at} WHERE email_id = ${progress.id} AND status = 'scheduled'`
            yield* sql`UPDATE emails SET scheduled_at = ${at} WHERE id = ${progress.id}`
            yield* insertEmailEvents(sql, [
              {
                email: yield* emailForEvents(progress.id),
                deliveryId: null,
                detail: {
                  type: "scheduled",
                  metadata: { scheduled_at: at.toISOString(), rescheduled: true }
                },
                at: new Date(yield* Clock.currentTimeMillis)
              }
            ])
            return written
          })
        )
        .pipe(unavailable)
  })
})

export const layer = Layer.scoped(EmailRepository, make)
