import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Contacts and their typed properties. An address is unique per team whatever its case (the
 * `lower(email)` index); property values live in one `jsonb` object per contact, keyed by
 * property name, so deleting a property is one `properties - name` over the team's contacts.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE contacts (
      id serial PRIMARY KEY,
      public_id text NOT NULL UNIQUE CHECK (public_id ~ '^con_[0-9a-f]{24}$'),
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      email text NOT NULL,
      first_name text,
      last_name text,
      unsubscribed boolean NOT NULL DEFAULT false,
      unsubscribed_at timestamptz,
      properties jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(properties) = 'object'),
      engagement_segment text NOT NULL DEFAULT 'dormant'
        CHECK (engagement_segment IN ('active', 'at_risk', 'dormant')),
      last_engaged_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE UNIQUE INDEX contacts_team_email ON contacts (team_id, lower(email))`
  yield* sql`CREATE INDEX contacts_team_newest ON contacts (team_id, created_at DESC, id DESC)`
  yield* sql`
    CREATE TABLE contact_properties (
      id serial PRIMARY KEY,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      name text NOT NULL,
      label text NOT NULL,
      type text NOT NULL CHECK (type IN ('text', 'number', 'boolean', 'date', 'select')),
      options jsonb,
      required boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (team_id, name)
    )`
})
