import { SqlClient, SqlSchema } from "@effect/sql"
import {
  type AcceptResult,
  type EmailForDelivery,
  EmailRepository,
  type NewEmail
} from "@poststack/application"
import { randomUUID } from "node:crypto"
import {
  aggregateStatus,
  EmailEvent,
  type EmailEventDetail,
  EmailEventId,
  EmailId,
  EmailRecord,
  EmailWithBodies,
  findTextProblem,
  MAILBOX_PROVIDERS,
  SuppressionReason,
  TeamId,
  TlsMode
} from "@poststack/domain"
import { Array as Arr, Clock, Effect, Layer, Option, Schema } from "effect"
import {
  EVENT_EMAIL_COLUMNS,
  EventEmailColumns,
  encodedEmailEvent,
  eventEmail,
  insertEmailEvents
} from "./EmailEvents.js"
import { lockProgress, notFound, refused, written } from "./EmailProgressLock.js"
import { groupCommit } from "./GroupCommit.js"
import { BigIntId, decodeRows, orCorrupt } from "./PgRows.js"
import { unavailable } from "./SqlErrors.js"

/** The `emails` columns an `EmailRecord` reads, named as its fields; `t` is the table's name or alias. */
const emailColumns = (t: string) =>
  `${t}.id, ${t}.public_id AS "publicId", ${t}.team_id AS "teamId", ${t}.domain_id AS "domainId",
  ${t}.from_address AS "fromAddress", ${t}.from_name AS "fromName", ${t}.to_addresses AS "toAddresses",
  ${t}.cc_addresses AS "ccAddresses", ${t}.bcc_addresses AS "bccAddresses", ${t}.reply_to AS "replyTo",
  ${t}.subject, ${t}.headers, ${t}.tags, ${t}.status, ${t}.test_mode AS "testMode",
  ${t}.unsubscribe_enabled AS "unsubscribeEnabled", ${t}.scheduled_at AS "scheduledAt", ${t}.sent_at AS "sentAt",
  ${t}.created_at AS "createdAt", ${t}.message_id AS "messageId"`

/** An `emails` row as the driver returns it: the record's fields, with the bigint id as text. */
const EmailRow = Schema.Struct({ ...EmailRecord.fields, id: BigIntId(EmailId) })

/** The row decoded, then made the domain's class without checking its fields a second time. */
const EmailFromRow = Schema.transform(EmailRow, Schema.typeSchema(EmailRecord), {
  strict: true,
  decode: (row) => new EmailRecord(row, true),
  encode: (email) => email
})

const EmailWithBodiesFromRow = Schema.transform(
  Schema.Struct({ ...EmailWithBodies.fields, id: BigIntId(EmailId) }),
  Schema.typeSchema(EmailWithBodies),
  { strict: true, decode: (row) => new EmailWithBodies(row, true), encode: (email) => email }
)

const Text = Schema.NullOr(Schema.String)

const EmailEventFromRow = Schema.transform(
  Schema.Struct({
    id: BigIntId(EmailEventId),
    emailId: BigIntId(EmailId),
    eventType: EmailEvent.fields.eventType,
    metadata: EmailEvent.fields.metadata,
    createdAt: Schema.DateFromSelf,
    clientName: Text,
    clientType: Text,
    os: Text,
    deviceType: Text,
    isPrefetch: Schema.Boolean,
    country: Text,
    region: Text,
    city: Text
  }),
  Schema.typeSchema(EmailEvent),
  {
    strict: true,
    decode: (r) =>
      new EmailEvent(
        {
          id: r.id,
          emailId: r.emailId,
          eventType: r.eventType,
          metadata: r.metadata,
          createdAt: r.createdAt,
          reader: {
            clientName: r.clientName,
            clientType: r.clientType,
            os: r.os,
            deviceType: r.deviceType,
            isPrefetch: r.isPrefetch
          },
          location: { country: r.country, region: r.region, city: r.city }
        },
        true
      ),
    encode: (e) => ({
      id: e.id,
      emailId: e.emailId,
      eventType: e.eventType,
      metadata: e.metadata,
      createdAt: e.createdAt,
      clientName: e.reader?.clientName ?? null,
      clientType: e.reader?.clientType ?? null,
      os: e.reader?.os ?? null,
      deviceType: e.reader?.deviceType ?? null,
      isPrefetch: e.reader?.isPrefetch ?? false,
      country: e.location?.country ?? null,
      region: e.location?.region ?? null,
      city: e.location?.city ?? null
    })
  }
)

/** What the worker reads with an email besides the record: bodies, raw message, domain settings. */
const ForDeliveryRow = Schema.Struct({
  id: BigIntId(EmailId),
  htmlBody: Text,
  textBody: Text,
  rawMime: Schema.NullOr(Schema.Uint8ArrayFromSelf),
  domainName: Schema.String,
  returnPathLabel: Schema.String,
  localAddress: Text,
  trackOpens: Schema.Boolean,
  trackClicks: Schema.Boolean,
  trackingDomain: Text,
  tlsMode: TlsMode,
  topicId: Schema.NullOr(Schema.Number),
  hasAttachments: Schema.Boolean
})

const AttachmentRow = Schema.Struct({
  emailId: BigIntId(EmailId),
  filename: Schema.String,
  contentType: Text,
  contentId: Text,
  content: Schema.Uint8ArrayFromSelf
})

const ByPublicId = Schema.Struct({ teamId: TeamId, publicId: Schema.String })

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

/**
 * Accepting calls in flight at once (see GroupCommit). One: with four, a message arriving while a
 * commit was syncing started its own, but `bench:api` showed PostgreSQL's CPU per accepted email
 * doubling (0.11 to 0.23 ms, throughput 0.48x to 0.40x of the baseline) for no gain at the relay.
 */
const ACCEPT_WRITERS = 1

/** A suppression entry of a batch's recipients, as the accept reads it before writing. */
const SuppressionRow = Schema.Struct({
  teamId: TeamId,
  email: Schema.String,
  id: Schema.Int,
  reason: SuppressionReason
})

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
  const entries = email.recipients.map((r) =>
    email.system ? undefined : suppressed.get(suppressionKey(email.teamId, r.address))
  )
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
  const columns = sql.literal(emailColumns("emails"))
  const emailRows = decodeRows("emails", EmailFromRow)
  const forDeliveryRows = decodeRows("emails", ForDeliveryRow)
  const attachmentRows = decodeRows("email_attachments", AttachmentRow)
  const getEmail = SqlSchema.findOne({
    Request: ByPublicId,
    Result: EmailWithBodiesFromRow,
    execute: ({ teamId, publicId }) => sql`
      SELECT ${columns}, html_body AS "htmlBody", text_body AS "textBody"
      FROM emails WHERE team_id = ${teamId} AND public_id = ${publicId} AND NOT system`
  })
  const eventsOf = SqlSchema.findAll({
    Request: Schema.String,
    Result: EmailEventFromRow,
    execute: (emailId) => sql`
      SELECT id, email_id AS "emailId", event_type AS "eventType", metadata, created_at AS "createdAt",
             ua_client_name AS "clientName", ua_client_type AS "clientType", ua_os AS "os",
             ua_device_type AS "deviceType", is_prefetch AS "isPrefetch",
             -- Where an open or click came from is recorded in its metadata (as webhooks carry it).
             coalesce(geo_country, metadata->'location'->>'country') AS country,
             coalesce(geo_region, metadata->'location'->>'region') AS region,
             coalesce(geo_city, metadata->'location'->>'city') AS city
      FROM email_events WHERE email_id = ${emailId} ORDER BY id`
  })
  const eventColumns = sql.literal(EVENT_EMAIL_COLUMNS)
  const eventEmailRows = decodeRows("emails", EventEmailColumns)
  // The email as its events name it (its row is locked already by `lockProgress`).
  const emailForEvents = (id: string) =>
    sql`SELECT ${eventColumns} FROM emails e WHERE e.id = ${id}`.pipe(
      Effect.flatMap(eventEmailRows),
      Effect.flatMap((rows) =>
        rows[0] === undefined ? Effect.dieMessage("locked email gone") : Effect.succeed(eventEmail(rows[0]))
      )
    )
  const suppressionRows = decodeRows("suppressions", SuppressionRow)
  // One call, so one atomic and durable commit and one round trip for every email in it: each
  // email, its deliveries, attachments, first events and their outbox twins, or nothing at all.
  // Each email's row is looked up after the call: a missing one fails that caller alone, since
  // failing the call would write its committed emails again one by one.
  // An email whose text PostgreSQL would refuse (the use cases refuse it first) fails alone
  // instead of failing the call, which would write every other email of it one by one.
  // The call first assumes no recipient is suppressed and checks that in the same statement
  // (migration 0059): when one is, it writes nothing, and the suppression list is read so the
  // events are built here, then the call is made again. A recipient listed between that read and
  // the write is caught when its delivery is claimed (see `suppressedAtDelivery`).
  const nothingSuppressed: Suppressed = new Map()
  const readSuppressed = (batch: ReadonlyArray<NewEmail>) => {
    // A system mail is stopped by no suppression list: its team's list is not the person's.
    const recipients = batch.flatMap((email) =>
      email.system ? [] : email.recipients.map((r) => [email.teamId, r.address] as const)
    )
    return sql`
      SELECT s.team_id AS "teamId", s.email, s.id, s.reason
      FROM unnest(${recipients.map(([team]) => team)}::int[], ${recipients.map(([, address]) => address)}::text[])
        AS r(team_id, address)
      JOIN suppressions s ON s.team_id = r.team_id AND lower(s.email) = lower(r.address)`.pipe(
      Effect.flatMap(suppressionRows),
      Effect.map(
        (listed): Suppressed =>
          new Map(listed.map((s) => [suppressionKey(s.teamId, s.email), { id: s.id, reason: s.reason }]))
      )
    )
  }
  const acceptRows = yield* groupCommit<NewEmail, AcceptRow | undefined | typeof UNSTORABLE>(
    (batch) =>
      Effect.gen(function* () {
        // Places held under plan limits are released in the statement (so the commit) that writes
        // their emails: another process counting the team's usage sees the hold or the email,
        // never both nor neither. Batches without one (unlimited plans) pay nothing for this.
        const holds = batch.flatMap((email) => (email.quotaHold == null ? [] : [email.quotaHold]))
        const call = (suppressed: Suppressed, check: boolean) =>
          Effect.gen(function* () {
            const at = new Date(yield* Clock.currentTimeMillis)
            const items = batch.map((email) => acceptItem(email, suppressed, at))
            const storable = items.filter((item) => item !== UNSTORABLE)
            if (storable.length === 0) return items.map((): typeof UNSTORABLE => UNSTORABLE)
            const json = `[${storable.join(",")}]`
            const rows = yield* check
              ? sql<AcceptRow>`
                  SELECT n, accepted_id, accepted_hash, created FROM accept_emails(${json}::jsonb, true)`
              : holds.length === 0
                ? sql<AcceptRow>`
                    SELECT n, accepted_id, accepted_hash, created FROM accept_emails(${json}::jsonb)`
                : sql<AcceptRow>`
                    WITH released AS (DELETE FROM quota_holds WHERE id = ANY(${holds}::bigint[]))
                    SELECT n, accepted_id, accepted_hash, created FROM accept_emails(${json}::jsonb)`
            if (rows.some((row) => row.n === -1)) return undefined
            const byItem = new Map(rows.map((row) => [row.n, row]))
            let n = 0
            return items.map((item) => (item === UNSTORABLE ? UNSTORABLE : byItem.get(n++)))
          })
        // The optimistic call may write nothing, so a batch releasing holds reads the list first:
        // its holds must go in the statement that writes its emails.
        if (holds.length === 0) {
          const optimistic = yield* call(nothingSuppressed, true)
          if (optimistic !== undefined) return optimistic
        }
        const again = yield* call(yield* readSuppressed(batch), false)
        return again ?? batch.map(() => undefined)
      }).pipe(unavailable),
    MAX_ACCEPT_BATCH,
    ACCEPT_WRITERS
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
    findByIdempotencyKey: (teamId, key) =>
      sql<{ public_id: string; request_hash: string | null }>`
        SELECT public_id, request_hash FROM emails
        WHERE team_id = ${teamId} AND idempotency_key = ${key}`.pipe(
        Effect.map((rows) =>
          rows[0] === undefined
            ? Option.none()
            : Option.some({ publicId: rows[0].public_id, requestHash: rows[0].request_hash })
        ),
        unavailable
      ),
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
        const emails = yield* sql`
          SELECT ${columns} FROM emails WHERE ${condition}
          ORDER BY created_at DESC, id DESC LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`.pipe(
          Effect.flatMap(emailRows)
        )
        const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM emails WHERE ${condition}`
        return { emails, total: counted[0]?.n ?? 0 }
      }).pipe(unavailable),
    get: (teamId, publicId) => getEmail({ teamId, publicId }).pipe(orCorrupt("emails"), unavailable),
    events: (teamId, publicId) =>
      Effect.gen(function* () {
        const email = yield* sql<{ id: string }>`
          SELECT id FROM emails WHERE team_id = ${teamId} AND public_id = ${publicId} AND NOT system`
        const id = email[0]?.id
        if (id === undefined) return Option.none<ReadonlyArray<EmailEvent>>()
        return Option.some(yield* eventsOf(id).pipe(orCorrupt("email_events")))
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
        const rows = yield* sql`
          SELECT ${sql.literal(emailColumns("e"))}, e.html_body AS "htmlBody", e.text_body AS "textBody",
                 e.raw_mime AS "rawMime", d.name AS "domainName", d.return_path_label AS "returnPathLabel",
                 ip.address AS "localAddress", e.track_opens AS "trackOpens", e.track_clicks AS "trackClicks",
                 d.tls_mode AS "tlsMode", e.topic_id AS "topicId",
                 -- Links go to the domain's own tracking host only once DNS shows its CNAME to us.
                 CASE WHEN EXISTS (
                   SELECT 1 FROM jsonb_array_elements(d.dns_records) r
                   WHERE r->>'purpose' = 'tracking' AND r->>'status' = 'verified' AND r->>'name' = d.tracking_domain
                 ) THEN d.tracking_domain END AS "trackingDomain",
                 EXISTS (SELECT 1 FROM email_attachments a WHERE a.email_id = e.id) AS "hasAttachments"
          FROM emails e JOIN domains d ON d.id = e.domain_id LEFT JOIN ip_addresses ip ON ip.id = d.ip_address_id
          WHERE e.id = ANY(${emailIds}::bigint[])`
        // The same rows read twice: as the email's record, and as what sending it needs besides.
        const records = yield* emailRows(rows)
        const sending = yield* forDeliveryRows(rows)
        const withAttachments = sending.filter((r) => r.hasAttachments).map((r) => r.id)
        const attachments =
          withAttachments.length === 0
            ? []
            : yield* sql`
                SELECT email_id AS "emailId", filename, content_type AS "contentType", content_id AS "contentId",
                       content
                FROM email_attachments WHERE email_id = ANY(${withAttachments}::bigint[]) ORDER BY id`.pipe(
                Effect.flatMap(attachmentRows)
              )
        const attachmentsOf = Arr.groupBy(attachments, (a) => String(a.emailId))
        return new Map(
          Arr.zipWith(records, sending, (record, row): [EmailId, EmailForDelivery] => [
            record.id,
            {
              record,
              htmlBody: row.htmlBody,
              textBody: row.textBody,
              attachments: (attachmentsOf[String(record.id)] ?? []).map((a) => ({
                filename: a.filename,
                contentType: a.contentType,
                contentId: a.contentId,
                // A copy: the driver's buffer may be a view of a larger shared one.
                content: new Uint8Array(a.content)
              })),
              rawMime: row.rawMime === null ? null : new Uint8Array(row.rawMime),
              domainName: row.domainName,
              returnPathHost: `${row.returnPathLabel}.${row.domainName}`,
              localAddress: row.localAddress,
              trackOpens: row.trackOpens,
              trackClicks: row.trackClicks,
              trackingDomain: row.trackingDomain,
              tlsMode: row.tlsMode,
              topicId: row.topicId
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
