import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Templates and the versions they had. A template row holds its current content; editing a
 * published template copies the content it replaces into `template_versions` under the old
 * number and bumps `version`. Sends render when accepted and store what they rendered, so
 * mail keeps the version it used whatever happens to the template later.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE templates (
      id serial PRIMARY KEY,
      public_id text NOT NULL UNIQUE CHECK (public_id ~ '^tpl_[0-9a-f]{24}$'),
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      name text NOT NULL,
      subject text NOT NULL,
      html_body text,
      text_body text,
      variables jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(variables) = 'array'),
      builder_type text NOT NULL DEFAULT 'html' CHECK (builder_type IN ('html', 'visual')),
      builder_blocks jsonb,
      published boolean NOT NULL DEFAULT false,
      published_at timestamptz,
      version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX templates_team_newest ON templates (team_id, created_at DESC, id DESC)`
  yield* sql`
    CREATE TABLE template_versions (
      template_id integer NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
      version integer NOT NULL,
      subject text NOT NULL,
      html_body text,
      text_body text,
      variables jsonb NOT NULL,
      builder_type text NOT NULL,
      builder_blocks jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (template_id, version)
    )`
})
