import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * A per-contact roll-up of opens and clicks, so a behavioural segment rule (`emailsOpened`,
 * `emailsClicked` with `windowDays`) is a test on the contact's own row instead of a scan of the
 * team's email events joined to their deliveries.
 *
 * `opened_emails` and `clicked_emails` map an email's id to the time (epoch milliseconds, rounded
 * down) of the contact's latest open (not a privacy-proxy prefetch) or click of it; "distinct emails
 * opened in the last N days" is then the number of values at or after the window's start. Entries
 * more than 400 days older than the map's newest (past the longest window, 365) are dropped when
 * the map is next written.
 *
 * A statement trigger on `email_events` keeps them as events arrive (one UPDATE per inserted
 * statement, through the contacts' `(team_id, lower(email))` index); the `contacts.engagement`
 * task's folds merge the same maps, so a contact added after its address engaged gets that history
 * with the task's daily full pass. The existing events are rolled up here once.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    ALTER TABLE contacts
      ADD COLUMN opened_emails jsonb NOT NULL DEFAULT '{}'::jsonb,
      ADD COLUMN clicked_emails jsonb NOT NULL DEFAULT '{}'::jsonb`
  // The later of the two times per email; entries past the longest window are left out.
  yield* sql`
    CREATE FUNCTION contact_engagement_merge(current jsonb, additions jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT coalesce(jsonb_object_agg(key, at), '{}'::jsonb)
      FROM (
        SELECT key, max(value::numeric) AS at, max(max(value::numeric)) OVER () AS newest
        FROM (SELECT * FROM jsonb_each(current) UNION ALL SELECT * FROM jsonb_each(additions)) kv
        GROUP BY key
      ) merged
      WHERE at >= newest - 400 * 86400000::numeric
    $$`
  yield* sql`
    CREATE FUNCTION contact_engagement_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Most statements record deliveries, bounces and the like: those leave at once.
      IF NOT EXISTS (SELECT 1 FROM new_events WHERE event_type IN ('opened', 'clicked')) THEN
        RETURN NULL;
      END IF;
      WITH per_email AS (
        SELECT d.team_id, lower(d.recipient) AS address, e.event_type, e.email_id,
          floor(extract(epoch FROM max(e.created_at)) * 1000) AS at
        FROM new_events e JOIN deliveries d ON d.id = e.delivery_id
        WHERE e.event_type = 'clicked' OR (e.event_type = 'opened' AND NOT e.is_prefetch)
        GROUP BY 1, 2, 3, 4
      ), per_address AS (
        SELECT team_id, address,
          jsonb_object_agg(email_id::text, at) FILTER (WHERE event_type = 'opened') AS opened,
          jsonb_object_agg(email_id::text, at) FILTER (WHERE event_type = 'clicked') AS clicked
        FROM per_email GROUP BY 1, 2
      )
      UPDATE contacts c
      SET opened_emails = CASE WHEN a.opened IS NULL THEN c.opened_emails
            ELSE contact_engagement_merge(c.opened_emails, a.opened) END,
          clicked_emails = CASE WHEN a.clicked IS NULL THEN c.clicked_emails
            ELSE contact_engagement_merge(c.clicked_emails, a.clicked) END
      FROM per_address a
      WHERE c.team_id = a.team_id AND lower(c.email) = a.address;
      RETURN NULL;
    END $$`
  yield* sql`
    CREATE TRIGGER email_events_contact_rollup AFTER INSERT ON email_events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION contact_engagement_rollup()`
  // What the events stored so far say, once.
  yield* sql`
    WITH per_email AS (
      SELECT d.team_id, lower(d.recipient) AS address, e.event_type, e.email_id,
        floor(extract(epoch FROM max(e.created_at)) * 1000) AS at
      FROM email_events e JOIN deliveries d ON d.id = e.delivery_id
      WHERE (e.event_type = 'clicked' OR (e.event_type = 'opened' AND NOT e.is_prefetch))
        AND e.created_at >= now() - interval '400 days'
      GROUP BY 1, 2, 3, 4
    ), per_address AS (
      SELECT team_id, address,
        coalesce(jsonb_object_agg(email_id::text, at) FILTER (WHERE event_type = 'opened'), '{}') AS opened,
        coalesce(jsonb_object_agg(email_id::text, at) FILTER (WHERE event_type = 'clicked'), '{}') AS clicked
      FROM per_email GROUP BY 1, 2
    )
    UPDATE contacts c SET opened_emails = a.opened, clicked_emails = a.clicked
    FROM per_address a
    WHERE c.team_id = a.team_id AND lower(c.email) = a.address`
})
