import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * People, their teams and sessions. Secrets are kept only as SHA-256 hashes (session cookies,
 * mailed links, invitation links) or Argon2id hashes (passwords). Addresses are stored lower-cased,
 * so `email` itself is the unique key.
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE users (
      id text PRIMARY KEY CHECK (id ~ '^usr_[0-9a-f]{24}$'),
      email text NOT NULL UNIQUE CHECK (email = lower(email)),
      name text NOT NULL DEFAULT '',
      password_hash text,
      email_verified_at timestamptz,
      time_zone text NOT NULL DEFAULT 'UTC',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`
    CREATE TABLE memberships (
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (team_id, user_id)
    )`
  yield* sql`CREATE INDEX memberships_user ON memberships (user_id, created_at)`
  yield* sql`
    CREATE TABLE sessions (
      id text PRIMARY KEY CHECK (id ~ '^ses_[0-9a-f]{24}$'),
      token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
      user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      team_id integer REFERENCES teams (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      address text,
      user_agent text
    )`
  yield* sql`CREATE INDEX sessions_user ON sessions (user_id, created_at DESC)`
  yield* sql`CREATE INDEX sessions_expiry ON sessions (expires_at)`
  yield* sql`
    CREATE TABLE account_links (
      token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
      user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      purpose text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
      new_email text,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX account_links_user ON account_links (user_id, purpose)`
  yield* sql`
    CREATE TABLE invitations (
      id text PRIMARY KEY CHECK (id ~ '^inv_[0-9a-f]{24}$'),
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      email text NOT NULL,
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
      token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
      invited_by text REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      accepted_at timestamptz,
      accepted_by text REFERENCES users (id) ON DELETE SET NULL,
      revoked_at timestamptz
    )`
  yield* sql`CREATE INDEX invitations_team ON invitations (team_id, created_at DESC)`
})
