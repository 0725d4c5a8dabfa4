import { SqlClient } from "@effect/sql"
import { ContactEngagement } from "@poststack/application"
import type { EngagementCutoffs } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { unavailable } from "./SqlErrors.js"

/** `segmentAt` of the domain, in SQL, over the same cutoffs. */
const segmentOf = (sql: SqlClient.SqlClient, column: string, cutoffs: EngagementCutoffs) => sql`
  CASE WHEN ${sql.literal(column)} IS NULL THEN 'dormant'
       WHEN ${sql.literal(column)} >= ${cutoffs.activeSince} THEN 'active'
       WHEN ${sql.literal(column)} >= ${cutoffs.atRiskSince} THEN 'at_risk'
       ELSE 'dormant' END`

/**
 * Positions are `email_events.id`. A batch is read along its primary key, joined to its delivery by
 * key, reduced to the latest event per (team, address), then applied through the contacts'
 * `(team_id, lower(email))` index: no index on deliveries is needed, so sending pays nothing for it.
 */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  return ContactEngagement.of({
    progress: () =>
      sql<{ resume_after: string; read_through: string; full_pass_at: Date | null }>`
        SELECT resume_after, read_through, full_pass_at FROM contact_engagement_progress`.pipe(
        Effect.map((rows) => ({
          resumeAfter: Number(rows[0]?.resume_after ?? 0),
          readThrough: Number(rows[0]?.read_through ?? 0),
          fullPassAt: rows[0]?.full_pass_at ?? null
        })),
        unavailable
      ),
    saveProgress: (p) =>
      sql`
        UPDATE contact_engagement_progress
        SET resume_after = ${p.resumeAfter}, read_through = ${p.readThrough}, full_pass_at = ${p.fullPassAt}`.pipe(
        Effect.asVoid,
        unavailable
      ),
    fold: (after, limit, cutoffs) =>
      sql<{ read: number; last: string | null }>`
        WITH batch AS (
          SELECT e.id, e.delivery_id, e.email_id, e.event_type, e.created_at FROM email_events e
          WHERE e.id > ${after}
            AND (e.event_type = 'clicked' OR (e.event_type = 'opened' AND NOT e.is_prefetch))
            AND e.delivery_id IS NOT NULL
          ORDER BY e.id LIMIT ${limit}
        ), per_email AS (
          SELECT d.team_id, lower(d.recipient) AS email, b.event_type, b.email_id, max(b.created_at) AS at
          FROM batch b JOIN deliveries d ON d.id = b.delivery_id
          GROUP BY 1, 2, 3, 4
        ), latest AS (
          -- Besides the latest time, the roll-up of migration 0061 (email id -> latest, epoch ms).
          SELECT team_id, email, max(at) AS at,
            coalesce(jsonb_object_agg(email_id::text, floor(extract(epoch FROM at) * 1000))
              FILTER (WHERE event_type = 'opened'), '{}') AS opened,
            coalesce(jsonb_object_agg(email_id::text, floor(extract(epoch FROM at) * 1000))
              FILTER (WHERE event_type = 'clicked'), '{}') AS clicked,
            coalesce(array_agg(email_id::text) FILTER (WHERE event_type = 'opened'), '{}') AS opened_ids,
            coalesce(array_agg(email_id::text) FILTER (WHERE event_type = 'clicked'), '{}') AS clicked_ids
          FROM per_email
          GROUP BY team_id, email
        ), applied AS (
          UPDATE contacts c
          SET last_engaged_at = greatest(c.last_engaged_at, l.at),
            engagement_segment = CASE WHEN c.last_engaged_at IS NULL OR c.last_engaged_at < l.at
              THEN ${segmentOf(sql, "l.at", cutoffs)} ELSE c.engagement_segment END,
            opened_emails = contact_engagement_merge(c.opened_emails, l.opened),
            clicked_emails = contact_engagement_merge(c.clicked_emails, l.clicked)
          FROM latest l
          WHERE c.team_id = l.team_id AND lower(c.email) = l.email
            AND (c.last_engaged_at IS NULL OR c.last_engaged_at < l.at
              -- A contact added after its address engaged: the trigger never saw those events.
              OR NOT (c.opened_emails ?& l.opened_ids AND c.clicked_emails ?& l.clicked_ids))
          RETURNING 1
        )
        SELECT (SELECT count(*)::int FROM batch) AS read, (SELECT max(id)::text FROM batch) AS last,
          (SELECT count(*)::int FROM applied) AS applied`.pipe(
        Effect.map((rows) => ({
          read: rows[0]?.read ?? 0,
          last: rows[0]?.last === null || rows[0]?.last === undefined ? null : Number(rows[0].last)
        })),
        unavailable
      ),
    reclassify: (cutoffs, limit) =>
      // Only active and at_risk contacts can fall behind (the partial index holds just those); a
      // contact moves up only when an event is folded, which sets its segment there.
      sql<{ n: number }>`
        WITH moved AS (
          UPDATE contacts c SET engagement_segment = ${segmentOf(sql, "c.last_engaged_at", cutoffs)}
          WHERE c.id IN (
            SELECT id FROM contacts
            WHERE (engagement_segment = 'active'
                    AND (last_engaged_at IS NULL OR last_engaged_at < ${cutoffs.activeSince}))
               OR (engagement_segment = 'at_risk'
                    AND (last_engaged_at IS NULL OR last_engaged_at < ${cutoffs.atRiskSince}))
            LIMIT ${limit})
          RETURNING 1
        )
        SELECT count(*)::int AS n FROM moved`.pipe(
        Effect.map((rows) => rows[0]?.n ?? 0),
        unavailable
      )
  })
})

export const layer = Layer.effect(ContactEngagement, make)
