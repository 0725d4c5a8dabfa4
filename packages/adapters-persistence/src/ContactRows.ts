import {
  Contact,
  type ContactId,
  type ContactPublicId,
  type EngagementSegment,
  type EncodedWebhookEvent,
  type TeamId
} from "@poststack/domain"
import type { SqlClient } from "@effect/sql"

export const CONTACT_COLUMNS = `id, public_id, team_id, email, first_name, last_name, unsubscribed, unsubscribed_at,
  properties, engagement_segment, last_engaged_at, created_at, updated_at`

/** A `contacts` row as the driver returns it. */
export interface ContactRow {
  readonly id: number
  readonly public_id: string
  readonly team_id: number
  readonly email: string
  readonly first_name: string | null
  readonly last_name: string | null
  readonly unsubscribed: boolean
  readonly unsubscribed_at: Date | null
  readonly properties: Record<string, unknown>
  readonly engagement_segment: EngagementSegment
  readonly last_engaged_at: Date | null
  readonly created_at: Date
  readonly updated_at: Date
}

export const toContact = (row: ContactRow): Contact =>
  Contact.make(
    {
      id: row.id as ContactId,
      publicId: row.public_id as ContactPublicId,
      teamId: row.team_id,
      email: row.email,
      firstName: row.first_name,
      lastName: row.last_name,
      unsubscribed: row.unsubscribed,
      unsubscribedAt: row.unsubscribed_at,
      properties: row.properties,
      engagementSegment: row.engagement_segment,
      lastEngagedAt: row.last_engaged_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at
    },
    { disableValidation: true }
  )

/**
 * Writes the events to the outbox in one statement (inside the caller's transaction). An event
 * that starts no workflow is written as already seen by the workflow trigger.
 */
export const insertOutbox = (
  sql: SqlClient.SqlClient,
  teamId: TeamId,
  events: ReadonlyArray<EncodedWebhookEvent>
) =>
  sql`
    INSERT INTO events (team_id, type, payload, workflows_at)
    SELECT ${teamId}, e.type, e.data, CASE WHEN e."startsWorkflows" = false THEN now() END
    FROM jsonb_to_recordset(${JSON.stringify(events)}::jsonb)
      AS e (type text, data jsonb, "startsWorkflows" boolean)`
