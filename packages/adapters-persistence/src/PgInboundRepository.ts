import { SqlClient, SqlSchema } from "@effect/sql"
import { InboundRepository } from "@poststack/application"
import {
  DomainId,
  encodeWebhookEvent,
  InboundAttachment,
  InboundAttachmentId,
  InboundEmail,
  InboundEmailId,
  inboundWebhookEvents,
  strippedReply,
  TeamId
} from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option, Schema } from "effect"
import { BigIntId, decodeRows, orCorrupt } from "./PgRows.js"
import { unavailable } from "./SqlErrors.js"

/** The `inbound_emails` columns an `InboundEmail` reads, named as its fields (the envelope in two). */
const INBOUND_COLUMNS = `id, team_id AS "teamId", domain_id AS "domainId", from_address AS "fromAddress",
  from_name AS "fromName", to_address AS "toAddress", to_addresses AS "toAddresses", cc_addresses AS "ccAddresses",
  message_id AS "messageId", in_reply_to AS "inReplyTo", "references", subject, html_body AS "htmlBody",
  text_body AS "textBody", headers, mailbox_hash AS "mailboxHash", authentication, spam_score AS "spamScore",
  spam_verdict AS "spamVerdict", raw_key AS "rawKey",
  envelope_from AS "envelopeFrom", envelope_to AS "envelopeTo", created_at AS "createdAt"`

const { envelope: _, ...storedFields } = InboundEmail.fields

/** An `inbound_emails` row: the record's fields, the bigint id as text, the envelope as two columns. */
const InboundFromRow = Schema.transform(
  Schema.Struct({
    ...storedFields,
    id: BigIntId(InboundEmailId),
    envelopeFrom: Schema.NullOr(Schema.String),
    envelopeTo: Schema.NullOr(Schema.Array(Schema.String))
  }),
  Schema.typeSchema(InboundEmail),
  {
    strict: true,
    decode: ({ envelopeFrom, envelopeTo, ...row }) =>
      new InboundEmail(
        {
          ...row,
          envelope: envelopeFrom === null ? null : { mailFrom: envelopeFrom, rcptTo: envelopeTo ?? [] }
        },
        true
      ),
    encode: ({ envelope, ...row }) => ({
      ...row,
      envelopeFrom: envelope?.mailFrom ?? null,
      envelopeTo: envelope?.rcptTo ?? null
    })
  }
)

const AttachmentFromRow = Schema.Struct({
  ...InboundAttachment.fields,
  id: BigIntId(InboundAttachmentId)
}).pipe(
  Schema.transform(Schema.typeSchema(InboundAttachment), {
    strict: true,
    decode: (row) => new InboundAttachment(row, true),
    encode: (attachment) => attachment
  })
)

const RouteRow = Schema.Struct({
  kind: Schema.Literal("inbound", "bounce"),
  teamId: TeamId,
  domainId: DomainId,
  domainName: Schema.String
})

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(INBOUND_COLUMNS)
  const inboundRows = decodeRows("inbound_emails", InboundFromRow)
  const attachmentsOf = SqlSchema.findAll({
    Request: Schema.Struct({ teamId: TeamId, id: Schema.Number }),
    Result: AttachmentFromRow,
    execute: ({ teamId, id }) => sql`
      SELECT a.id, a.filename, a.content_type AS "contentType", a.size, a.blob_key AS "blobKey",
             a.created_at AS "createdAt"
      FROM inbound_attachments a JOIN inbound_emails i ON i.id = a.inbound_email_id
      WHERE i.team_id = ${teamId} AND i.id = ${id} ORDER BY a.id`
  })
  const routeOf = SqlSchema.findOne({
    Request: Schema.String,
    Result: RouteRow,
    execute: (host) => sql`
      SELECT CASE WHEN name = ${host} THEN 'inbound' ELSE 'bounce' END AS kind, team_id AS "teamId",
             id AS "domainId", name AS "domainName"
      FROM domains
      WHERE deleted_at IS NULL AND status = 'verified'
        AND ((name = ${host} AND inbound_enabled) OR return_path_label || '.' || name = ${host})
      ORDER BY verified_at, id LIMIT 1`
  })
  return InboundRepository.of({
    route: (host) => routeOf(host).pipe(orCorrupt("domains"), unavailable),
    store: (emails, attachments) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const ids: Array<number> = []
            // The rows of one message share its text: its stripped reply is worked out once, not
            // once per recipient (a long text to a hundred recipients held the event loop for each).
            const stripped = new Map<string | null, string | null>()
            const strippedOf = (text: string | null) => {
              if (!stripped.has(text)) stripped.set(text, strippedReply(text))
              return stripped.get(text) ?? null
            }
            for (const e of emails) {
              const inserted = yield* sql<{ id: string; created_at: Date }>`
                INSERT INTO inbound_emails (team_id, domain_id, from_address, from_name, to_address, to_addresses,
                  cc_addresses, message_id, in_reply_to, "references", subject, html_body, text_body, headers,
                  mailbox_hash, authentication, spam_score, spam_verdict, raw_key, envelope_from, envelope_to)
                VALUES (${e.teamId}, ${e.domainId}, ${e.fromAddress}, ${e.fromName}, ${e.toAddress},
                  ${JSON.stringify(e.toAddresses)}::jsonb, ${JSON.stringify(e.ccAddresses)}::jsonb, ${e.messageId},
                  ${e.inReplyTo}, ${e.references}, ${e.subject}, ${e.htmlBody}, ${e.textBody},
                  ${JSON.stringify(e.headers)}::jsonb, ${e.mailboxHash}, ${JSON.stringify(e.authentication)}::jsonb,
                  ${e.spamScore}, ${e.spamVerdict}, ${e.rawKey}, ${e.envelope?.mailFrom ?? null}, ${e.envelope?.rcptTo ?? null})
                RETURNING id, created_at`
              const row = inserted[0]
              if (row === undefined) return yield* Effect.dieMessage("insert returned no row")
              for (const a of attachments) {
                yield* sql`
                  INSERT INTO inbound_attachments (inbound_email_id, filename, content_type, size, blob_key)
                  VALUES (${row.id}, ${a.filename}, ${a.contentType}, ${a.size}, ${a.blobKey})`
              }
              // Webhooks read both names of the event; the data is the InboundEmail in snake_case.
              const events = inboundWebhookEvents({
                id: Number(row.id),
                domain_id: e.domainId,
                from: e.fromAddress,
                from_name: e.fromName,
                to: e.toAddress,
                to_addresses: e.toAddresses,
                cc: e.ccAddresses,
                message_id: e.messageId,
                subject: e.subject,
                html: e.htmlBody,
                text: e.textBody,
                headers: e.headers,
                mailbox_hash: e.mailboxHash,
                spam_score: e.spamScore,
                spam_verdict: e.spamVerdict,
                stripped_reply: strippedOf(e.textBody),
                authentication: e.authentication,
                envelope:
                  e.envelope === null ? null : { mail_from: e.envelope.mailFrom, rcpt_to: e.envelope.rcptTo },
                attachments: attachments.map((a) => ({
                  filename: a.filename,
                  content_type: a.contentType,
                  size: a.size
                })),
                created_at: row.created_at.toISOString()
              }).map(encodeWebhookEvent)
              yield* sql`
                INSERT INTO events (team_id, type, payload)
                SELECT ${e.teamId}, v.value->>'type', v.value->'data'
                FROM jsonb_array_elements(${JSON.stringify(events)}::jsonb) WITH ORDINALITY AS v(value, k) ORDER BY v.k`
              ids.push(Number(row.id))
            }
            return ids
          })
        )
        .pipe(unavailable),
    list: (teamId, domain, page, perPage) =>
      Effect.gen(function* () {
        const where = sql.and([
          sql`i.team_id = ${teamId}`,
          ...(domain.name === null
            ? []
            : [
                sql`i.domain_id IN (SELECT id FROM domains WHERE team_id = ${teamId} AND name = ${domain.name.toLowerCase()})`
              ]),
          ...(domain.domainId === null ? [] : [sql`i.domain_id = ${domain.domainId}`])
        ])
        const emails = yield* sql`
          SELECT ${columns} FROM inbound_emails i WHERE ${where}
          ORDER BY i.created_at DESC, i.id DESC LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`.pipe(
          Effect.flatMap(inboundRows)
        )
        const counted = yield* sql<{
          n: number
        }>`SELECT count(*)::int AS n FROM inbound_emails i WHERE ${where}`
        return { emails, total: counted[0]?.n ?? 0 }
      }).pipe(unavailable),
    get: (teamId, id) =>
      sql`SELECT ${columns} FROM inbound_emails WHERE team_id = ${teamId} AND id = ${id}`.pipe(
        Effect.flatMap(inboundRows),
        Effect.map(Arr.head),
        unavailable
      ),
    attachments: (teamId, id) =>
      attachmentsOf({ teamId, id }).pipe(orCorrupt("inbound_attachments"), unavailable),
    attachmentCounts: (teamId, ids) =>
      ids.length === 0
        ? Effect.succeed(new Map<number, number>())
        : sql<{ id: string; n: number }>`
            SELECT a.inbound_email_id::text AS id, count(*)::int AS n
            FROM inbound_attachments a JOIN inbound_emails i ON i.id = a.inbound_email_id
            WHERE i.team_id = ${teamId} AND i.id IN ${sql.in(ids)}
            GROUP BY a.inbound_email_id`.pipe(
            Effect.map((rows) => new Map(rows.map((r) => [Number(r.id), r.n] as const))),
            unavailable
          ),
    delete: (teamId, id) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const parts = yield* sql<{ blob_key: string }>`
              SELECT a.blob_key FROM inbound_attachments a JOIN inbound_emails i ON i.id = a.inbound_email_id
              WHERE i.team_id = ${teamId} AND i.id = ${id}`
            const deleted = yield* sql<{ raw_key: string }>`
              DELETE FROM inbound_emails WHERE team_id = ${teamId} AND id = ${id} RETURNING raw_key`
            const row = deleted[0]
            if (row === undefined) return Option.none<ReadonlyArray<string>>()
            // The raw message and its parts are shared by the rows of the other recipients: keep them while any remains.
            const others = yield* sql<{ n: number }>`
              SELECT count(*)::int AS n FROM inbound_emails WHERE raw_key = ${row.raw_key}`
            if ((others[0]?.n ?? 0) > 0) return Option.some<ReadonlyArray<string>>([])
            return Option.some<ReadonlyArray<string>>([row.raw_key, ...parts.map((p) => p.blob_key)])
          })
        )
        .pipe(unavailable)
  })
})

export const layer = Layer.effect(InboundRepository, make)
