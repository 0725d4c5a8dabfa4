import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Subscription topics, opt-out model: a contact is in every topic of its team unless
 * `topic_subscriptions` holds a row with `subscribed = false` for the pair. A later marketing send
 * for a topic excludes opted-out contacts set-wise, in the same statement that selects them:
 *
 *   ... FROM contacts c WHERE c.team_id = $team AND NOT EXISTS (SELECT 1 FROM topic_subscriptions s
 *         WHERE s.topic_id = $topic AND s.contact_id = c.id AND NOT s.subscribed)
 *
 * which the partial index below answers with one probe per contact. `emails.topic_id` names the
 * topic a message was sent for, so its unsubscribe link can leave that topic only (no foreign key:
 * the send path stays as cheap as it was, and a link to a deleted topic is handled when followed).
 */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE subscription_topics (
      id serial PRIMARY KEY,
      public_id text NOT NULL UNIQUE CHECK (public_id ~ '^top_[0-9a-f]{24}$'),
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      name text NOT NULL,
      description text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX subscription_topics_team ON subscription_topics (team_id, id)`
  yield* sql`
    CREATE TABLE topic_subscriptions (
      id serial PRIMARY KEY,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      topic_id integer NOT NULL REFERENCES subscription_topics (id) ON DELETE CASCADE,
      contact_id integer NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
      subscribed boolean NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (topic_id, contact_id)
    )`
  yield* sql`CREATE INDEX topic_subscriptions_contact ON topic_subscriptions (contact_id)`
  yield* sql`
    CREATE INDEX topic_subscriptions_opted_out ON topic_subscriptions (topic_id, contact_id) WHERE NOT subscribed`
  yield* sql`ALTER TABLE emails ADD COLUMN topic_id integer`
})
