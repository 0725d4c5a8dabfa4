import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Signup forms and the submissions waiting for their confirmation. A form names its segment and
 * topic by public id (`seg_…`, `top_…`); a pending submission holds what the visitor typed until
 * the link in the confirmation mail is followed, and goes with its form when the form is deleted.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE signup_forms (
      id serial PRIMARY KEY,
      public_id text NOT NULL UNIQUE CHECK (public_id ~ '^sf_[0-9a-f]{24}$'),
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      name text NOT NULL,
      segment_id text,
      topic_id text,
      fields jsonb NOT NULL CHECK (jsonb_typeof(fields) = 'array'),
      success_message text,
      redirect_url text,
      active boolean NOT NULL DEFAULT true,
      submission_count integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX signup_forms_team_newest ON signup_forms (team_id, created_at DESC, id DESC)`
  yield* sql`
    CREATE TABLE signup_submissions (
      id bigserial PRIMARY KEY,
      public_id text NOT NULL UNIQUE CHECK (public_id ~ '^sfs_[0-9a-f]{24}$'),
      form_id integer NOT NULL REFERENCES signup_forms (id) ON DELETE CASCADE,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      email text NOT NULL,
      first_name text,
      last_name text,
      properties jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(properties) = 'object'),
      created_at timestamptz NOT NULL DEFAULT now(),
      confirmed_at timestamptz
    )`
  yield* sql`CREATE INDEX signup_submissions_form ON signup_submissions (form_id)`
})
