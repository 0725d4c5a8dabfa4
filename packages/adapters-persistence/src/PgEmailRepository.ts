import { SqlClient, SqlSchema } from "@effect/sql"
import { type EmailForDelivery, EmailRepository, type NewEmail } from "@poststack/application"
import {
  EmailEvent,
  EmailEventId,
  EmailId,
  EmailRecord,
  EmailWithBodies,
  MAILBOX_PROVIDERS,
  TeamId,
  TlsMode
} from "@poststack/domain"
import { Array as Arr, Clock, Effect, Layer, Option, Schema } from "effect"
import { EVENT_EMAIL_COLUMNS, EventEmailColumns, eventEmail, insertEmailEvents } from "./EmailEvents.js"
import { lockProgress, notFound, refused, written } from "./EmailProgressLock.js"
import { groupCommit } from "./GroupCommit.js"
import { type AcceptRow, acceptEmails, acceptResult, type UNSTORABLE } from "./PgAcceptEmails.js"
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

/** The most emails accepted by one call. */
const MAX_ACCEPT_BATCH = 100

/**
 * Accepting calls in flight at once (see GroupCommit). One: with four, a message arriving while a
 * commit was syncing started its own, but `bench:api` showed PostgreSQL's CPU per accepted email
 * doubling (0.11 to 0.23 ms, throughput 0.48x to 0.40x of the baseline) for no gain at the relay.
 */
const ACCEPT_WRITERS = 1

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
  const writeAccepted = acceptEmails(sql)
  const acceptRows = yield* groupCommit<NewEmail, AcceptRow | undefined | typeof UNSTORABLE>(
    (batch) => writeAccepted(batch).pipe(unavailable),
    MAX_ACCEPT_BATCH,
    ACCEPT_WRITERS
  )
  const accept = (email: NewEmail) => Effect.flatMap(acceptRows(email), acceptResult)

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
