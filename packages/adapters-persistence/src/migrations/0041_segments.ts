import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Segments: a manual segment's members are rows of `segment_members`; a rule segment keeps its
 * rules (`jsonb`, as the client wrote them) and has no rows, its members are selected when asked.
 * The indexes serve the compiled rules: property conditions on `contacts.properties` (containment
 * for equality on select, number and boolean properties), and behavioural conditions, which scan
 * the opens or clicks of a time window once (`email_events_engagement`, covering what they read)
 * instead of looking up every contact's events.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE segments (
      id serial PRIMARY KEY,
      public_id text NOT NULL UNIQUE CHECK (public_id ~ '^seg_[0-9a-f]{24}$'),
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      name text NOT NULL,
      rules jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX segments_team ON segments (team_id, created_at DESC, id DESC)`
  yield* sql`
    CREATE TABLE segment_members (
      segment_id integer NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
      contact_id integer NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
      added_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (segment_id, contact_id)
    )`
  yield* sql`CREATE INDEX segment_members_contact ON segment_members (contact_id)`
  yield* sql`CREATE INDEX contacts_properties ON contacts USING gin (properties jsonb_path_ops)`
  yield* sql`
    CREATE INDEX email_events_engagement ON email_events (event_type, created_at)
      INCLUDE (delivery_id, email_id, is_prefetch)
      WHERE event_type IN ('opened', 'clicked')`
})
