import { SqlClient } from "@effect/sql"
import { type InboundEmailRecord, InboundRepository, type MailRoute } from "@poststack/application"
import {
  type DomainId,
  encodeWebhookEvent,
  inboundWebhookEvents,
  type SenderAuthentication,
  type TeamId
} from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

interface InboundRow {
  readonly id: string
  readonly team_id: number
  readonly domain_id: number | null
  readonly from_address: string
  readonly from_name: string | null
  readonly to_address: string
  readonly to_addresses: InboundEmailRecord["toAddresses"]
  readonly cc_addresses: InboundEmailRecord["ccAddresses"]
  readonly message_id: string | null
  readonly in_reply_to: string | null
  readonly references: ReadonlyArray<string>
  readonly subject: string | null
  readonly html_body: string | null
  readonly text_body: string | null
  readonly headers: Record<string, string>
  readonly mailbox_hash: string | null
  readonly authentication: SenderAuthentication
  readonly raw_key: string
  readonly envelope_from: string | null
  readonly envelope_to: ReadonlyArray<string> | null
  readonly created_at: Date
}

const toRecord = (r: InboundRow): InboundEmailRecord => ({
  id: Number(r.id),
  teamId: r.team_id as TeamId,
  domainId: r.domain_id as DomainId | null,
  fromAddress: r.from_address,
  fromName: r.from_name,
  toAddress: r.to_address,
  toAddresses: r.to_addresses,
  ccAddresses: r.cc_addresses,
  messageId: r.message_id,
  inReplyTo: r.in_reply_to,
  references: r.references,
  subject: r.subject,
  htmlBody: r.html_body,
  textBody: r.text_body,
  headers: r.headers,
  mailboxHash: r.mailbox_hash,
  authentication: r.authentication,
  rawKey: r.raw_key,
  envelope: r.envelope_from === null ? null : { mailFrom: r.envelope_from, rcptTo: r.envelope_to ?? [] },
  createdAt: r.created_at
})

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return InboundRepository.of({
    route: (host) =>
      sql<{ id: number; team_id: number; name: string; kind: "inbound" | "bounce" }>`
        SELECT id, team_id, name, CASE WHEN name = ${host} THEN 'inbound' ELSE 'bounce' END AS kind
        FROM domains
        WHERE deleted_at IS NULL AND status = 'verified'
          AND ((name = ${host} AND inbound_enabled) OR return_path_label || '.' || name = ${host})
        ORDER BY verified_at, id LIMIT 1`.pipe(
        Effect.map((rows) =>
          Option.map(
            Arr.head(rows),
            (r): MailRoute => ({
              kind: r.kind,
              teamId: r.team_id as TeamId,
              domainId: r.id as DomainId,
              domainName: r.name
            })
          )
        ),
        unavailable
      ),
    store: (emails, attachments) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const ids: Array<number> = []
            for (const e of emails) {
              const inserted = yield* sql<{ id: string; created_at: Date }>`
                INSERT INTO inbound_emails (team_id, domain_id, from_address, from_name, to_address, to_addresses,
                  cc_addresses, message_id, in_reply_to, "references", subject, html_body, text_body, headers,
                  mailbox_hash, authentication, raw_key, envelope_from, envelope_to)
                VALUES (${e.teamId}, ${e.domainId}, ${e.fromAddress}, ${e.fromName}, ${e.toAddress},
                  ${JSON.stringify(e.toAddresses)}::jsonb, ${JSON.stringify(e.ccAddresses)}::jsonb, ${e.messageId},
                  ${e.inReplyTo}, ${e.references}, ${e.subject}, ${e.htmlBody}, ${e.textBody},
                  ${JSON.stringify(e.headers)}::jsonb, ${e.mailboxHash}, ${JSON.stringify(e.authentication)}::jsonb,
                  ${e.rawKey}, ${e.envelope?.mailFrom ?? null}, ${e.envelope?.rcptTo ?? null})
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
                spam_score: null,
                spam_verdict: null,
                stripped_reply: null,
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
        const rows = yield* sql<InboundRow>`
          SELECT i.* FROM inbound_emails i WHERE ${where}
          ORDER BY i.created_at DESC, i.id DESC LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`
        const counted = yield* sql<{
          n: number
        }>`SELECT count(*)::int AS n FROM inbound_emails i WHERE ${where}`
        return { emails: rows.map(toRecord), total: counted[0]?.n ?? 0 }
      }).pipe(unavailable),
    get: (teamId, id) =>
      sql<InboundRow>`SELECT * FROM inbound_emails WHERE team_id = ${teamId} AND id = ${id}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toRecord)),
        unavailable
      ),
    attachments: (teamId, id) =>
      sql<{
        id: string
        filename: string
        content_type: string
        size: number
        blob_key: string
        created_at: Date
      }>`
        SELECT a.id, a.filename, a.content_type, a.size, a.blob_key, a.created_at
        FROM inbound_attachments a JOIN inbound_emails i ON i.id = a.inbound_email_id
        WHERE i.team_id = ${teamId} AND i.id = ${id} ORDER BY a.id`.pipe(
        Effect.map((rows) =>
          rows.map((r) => ({
            id: Number(r.id),
            filename: r.filename,
            contentType: r.content_type,
            size: r.size,
            blobKey: r.blob_key,
            createdAt: r.created_at
          }))
        ),
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
