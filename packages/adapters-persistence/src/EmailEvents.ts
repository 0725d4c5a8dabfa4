import type { SqlClient } from "@effect/sql"
import {
  type EmailEventDetail,
  EmailId,
  EmailSummary,
  emailWebhookEvent,
  encodeWebhookEvent,
  type SummarizedEmail,
  TeamId
} from "@poststack/domain"
import { Schema } from "effect"
import { BigIntId } from "./PgRows.js"

/** An email as its events name it, with the keys that store them. */
export interface EventEmail extends SummarizedEmail {
  readonly id: string | number
  readonly teamId: number
}

/** The columns of `emails` (aliased `e`) an `EventEmail` is read from (see `eventEmail`). */
export const EVENT_EMAIL_COLUMNS = `e.id AS event_email_id, e.team_id AS event_team_id, e.public_id AS event_public_id,
  e.from_address AS event_from_address, e.from_name AS event_from_name, e.to_addresses AS event_to,
  e.subject AS event_subject, e.tags AS event_tags, e.test_mode AS event_test_mode`

/**
 * Those columns decoded (see `decodeRows`), the email's bigint id as text. `EventEmailRow` is the
 * row as the driver returns it, for a query that does not decode (yet).
 */
export const EventEmailColumns = Schema.Struct({
  event_email_id: BigIntId(EmailId),
  event_team_id: TeamId,
  event_public_id: Schema.String,
  event_from_address: Schema.String,
  event_from_name: Schema.NullOr(Schema.String),
  event_to: Schema.Array(Schema.String),
  event_subject: Schema.String,
  event_tags: Schema.Array(Schema.String),
  event_test_mode: Schema.Boolean
})

export type EventEmailRow = typeof EventEmailColumns.Encoded

export const eventEmail = (row: EventEmailRow | typeof EventEmailColumns.Type): EventEmail => ({
  id: row.event_email_id,
  teamId: row.event_team_id,
  publicId: row.event_public_id,
  fromAddress: row.event_from_address,
  fromName: row.event_from_name,
  to: row.event_to,
  subject: row.event_subject,
  tags: row.event_tags,
  testMode: row.event_test_mode
})

/** One step in an email's life, to be stored in `email_events` and, as its webhook event, in `events`. */
export interface EmailEventRow {
  readonly email: EventEmail
  readonly deliveryId: string | number | null
  readonly detail: EmailEventDetail
  /** Who opened or clicked, for tracking events. */
  readonly reader?: {
    readonly clientName: string | null
    readonly clientType: string | null
    readonly os: string | null
    readonly deviceType: string | null
    readonly network: string | null
    readonly isPrefetch: boolean
  }
  /** When it happened (an open or click may be recorded after a database outage). */
  readonly at: Date
}

const SUMMARY_KEYS = new Set(Object.keys(EmailSummary))

/**
 * An email event encoded once: its webhook event (`type`, `payload`) and the history's own part of
 * it (`event_type`, `metadata`: the payload without the email's summary). SQL stores them as given.
 */
export const encodedEmailEvent = (email: EventEmail, detail: EmailEventDetail, at: Date) => {
  const encoded = encodeWebhookEvent(emailWebhookEvent(email, detail, at))
  return {
    event_type: detail.type,
    metadata: Object.fromEntries(Object.entries(encoded.data).filter(([key]) => !SUMMARY_KEYS.has(key))),
    type: encoded.type,
    payload: encoded.data,
    team_id: email.teamId,
    created_at: at.toISOString()
  }
}

/**
 * Records email events and, in the same statement (so the same transaction), their webhook
 * events (the `insert_email_events` function of migration 0026).
 */
export const insertEmailEvents = (sql: SqlClient.SqlClient, events: ReadonlyArray<EmailEventRow>) =>
  sql`SELECT insert_email_events(${JSON.stringify(
    events.map((e) => ({
      email_id: String(e.email.id),
      delivery_id: e.deliveryId === null ? null : String(e.deliveryId),
      ...encodedEmailEvent(e.email, e.detail, e.at),
      ua_client_name: e.reader?.clientName ?? null,
      ua_client_type: e.reader?.clientType ?? null,
      ua_os: e.reader?.os ?? null,
      ua_device_type: e.reader?.deviceType ?? null,
      client_network: e.reader?.network ?? null,
      is_prefetch: e.reader?.isPrefetch ?? false
    }))
  )}::jsonb)`
