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
 * `email.<type>` that webhooks read (the `insert_email_events` function). The outbox payload
 * carries what a receiver needs without a second call: the email's public id, sender, recipients,
 * subject and tags, then the event's own metadata (recipient, SMTP reply, bounce kind...).
 */
export const insertEmailEvents = (sql: SqlClient.SqlClient, events: ReadonlyArray<EmailEventRow>) =>
  sql`SELECT insert_email_events(${JSON.stringify(
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
  )}::jsonb)`
