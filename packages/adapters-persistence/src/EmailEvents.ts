import type { SqlClient } from "@effect/sql"

/** One step in an email's life, as stored in `email_events`. */
export interface EmailEventRow {
  readonly emailId: string | number
  readonly deliveryId: string | number | null
  readonly type: string
  readonly metadata: Readonly<Record<string, unknown>>
  /** Who opened or clicked, for tracking events. */
  readonly reader?: {
    readonly clientName: string | null
    readonly clientType: string | null
    readonly os: string | null
    readonly deviceType: string | null
    readonly network: string | null
    readonly isPrefetch: boolean
  }
  /** When it happened, if earlier than now (an open or click recorded after a database outage). */
  readonly at?: Date
}

/**
 * The part of an `email.*` outbox payload that describes the email. Built here for an email being
 * accepted (not yet readable by the statement that writes it); `insertEmailEvents` builds the
 * same fields from the stored row.
 */
export const outboxSummary = (email: {
  readonly fromAddress: string
  readonly fromName: string | null
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly tags: ReadonlyArray<string>
  readonly testMode: boolean
}) => ({
  from: email.fromName === null ? email.fromAddress : `${email.fromName} <${email.fromAddress}>`,
  to: email.to,
  subject: email.subject,
  tags: email.tags,
  test_mode: email.testMode
})

/**
 * Records email events and, in the same statement (so the same transaction), their outbox twins
 * `email.<type>` that webhooks read. The outbox payload carries what a receiver needs without a
 * second call: the email's public id, sender, recipients, subject and tags, then the event's own
 * metadata (recipient, SMTP reply, bounce kind...).
 */
export const insertEmailEvents = (sql: SqlClient.SqlClient, events: ReadonlyArray<EmailEventRow>) =>
  sql`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(
        events.map((e) => ({
          email_id: String(e.emailId),
          delivery_id: e.deliveryId === null ? null : String(e.deliveryId),
          event_type: e.type,
          metadata: e.metadata,
          ua_client_name: e.reader?.clientName ?? null,
          ua_client_type: e.reader?.clientType ?? null,
          ua_os: e.reader?.os ?? null,
          ua_device_type: e.reader?.deviceType ?? null,
          client_network: e.reader?.network ?? null,
          is_prefetch: e.reader?.isPrefetch ?? false,
          created_at: e.at?.toISOString() ?? null
        }))
      )}::jsonb) AS x(email_id bigint, delivery_id bigint, event_type text, metadata jsonb, ua_client_name text,
                      ua_client_type text, ua_os text, ua_device_type text, client_network text, is_prefetch boolean,
                      created_at timestamptz)
    ), stored AS (
      INSERT INTO email_events (email_id, delivery_id, event_type, metadata, ua_client_name, ua_client_type, ua_os,
                                ua_device_type, client_network, is_prefetch, created_at)
      SELECT email_id, delivery_id, event_type, metadata, ua_client_name, ua_client_type, ua_os, ua_device_type,
             client_network, is_prefetch, coalesce(created_at, now()) FROM input
      RETURNING email_id, event_type, metadata, created_at
    )
    INSERT INTO events (team_id, type, payload, created_at)
    SELECT e.team_id, 'email.' || s.event_type,
      jsonb_build_object(
        'email_id', e.public_id,
        'from', CASE WHEN e.from_name IS NULL THEN e.from_address
                     ELSE e.from_name || ' <' || e.from_address || '>' END,
        'to', to_jsonb(e.to_addresses),
        'subject', e.subject,
        'tags', to_jsonb(e.tags),
        'test_mode', e.test_mode,
        'created_at', s.created_at
      ) || coalesce(s.metadata, '{}'::jsonb),
      -- The outbox row is written now, even for an event that happened earlier.
      now()
    FROM stored s JOIN emails e ON e.id = s.email_id`
