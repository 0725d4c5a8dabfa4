import { SqlClient } from "@effect/sql"
import { TopicRepository } from "@poststack/application"
import {
  type ContactId,
  newTopicPublicId,
  Topic,
  type TopicId,
  type TopicPublicId,
  TopicSubscription
} from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { CONTACT_COLUMNS, type ContactRow, insertOutbox, toContact } from "./ContactRows.js"
import { unavailable } from "./SqlErrors.js"

interface TopicRow {
  readonly id: number
  readonly public_id: string
  readonly team_id: number
  readonly name: string
  readonly description: string | null
  readonly created_at: Date
  readonly updated_at: Date
}

interface SubscriptionRow {
  readonly id: number
  readonly topic_id: number
  readonly contact_id: number
  readonly subscribed: boolean
  readonly updated_at: Date
}

const toTopic = (row: TopicRow): Topic =>
  Topic.make(
    {
      id: row.id as TopicId,
      publicId: row.public_id as TopicPublicId,
      teamId: row.team_id,
      name: row.name,
      description: row.description,
      createdAt: row.created_at,
      updatedAt: row.updated_at
    },
    { disableValidation: true }
  )

const toSubscription = (row: SubscriptionRow): TopicSubscription =>
  TopicSubscription.make(
    {
      id: row.id,
      topicId: row.topic_id as TopicId,
      contactId: row.contact_id,
      subscribed: row.subscribed,
      updatedAt: row.updated_at
    },
    { disableValidation: true }
  )

/** The contact columns, each qualified by `c.` (the subscriber queries join). */
const contactColumns = CONTACT_COLUMNS.split(",")
  .map((c) => `c.${c.trim()}`)
  .join(", ")

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal("id, public_id, team_id, name, description, created_at, updated_at")
  const one = (rows: ReadonlyArray<TopicRow>) => Option.map(Arr.head(rows), toTopic)

  /** Contacts of the team in the topic (`true`) or opted out of it (`false`), as a condition on `c` and `s`. */
  const membership = (subscribed: boolean) =>
    subscribed ? sql`(s.id IS NULL OR s.subscribed)` : sql`(s.id IS NOT NULL AND NOT s.subscribed)`

  return TopicRepository.of({
    list: (teamId) =>
      sql<TopicRow>`SELECT ${columns} FROM subscription_topics WHERE team_id = ${teamId} ORDER BY id`.pipe(
        Effect.map((rows) => rows.map(toTopic)),
        unavailable
      ),
    create: (teamId, topic) =>
      sql<TopicRow>`
        INSERT INTO subscription_topics (public_id, team_id, name, description)
        VALUES (${newTopicPublicId()}, ${teamId}, ${topic.name}, ${topic.description})
        RETURNING ${columns}`.pipe(
        Effect.flatMap((rows) =>
          rows[0] === undefined
            ? Effect.dieMessage("topic insert returned no row")
            : Effect.succeed(toTopic(rows[0]))
        ),
        unavailable
      ),
    get: (teamId, id) =>
      sql<TopicRow>`SELECT ${columns} FROM subscription_topics WHERE team_id = ${teamId} AND public_id = ${id}`.pipe(
        Effect.map(one),
        unavailable
      ),
    getById: (teamId, id) =>
      sql<TopicRow>`SELECT ${columns} FROM subscription_topics WHERE team_id = ${teamId} AND id = ${id}`.pipe(
        Effect.map(one),
        unavailable
      ),
    update: (teamId, id, changes) => {
      const set = [sql`updated_at = now()`]
      if (changes.name !== undefined) set.push(sql`name = ${changes.name}`)
      if (changes.description !== undefined) set.push(sql`description = ${changes.description}`)
      return sql<TopicRow>`
        UPDATE subscription_topics SET ${sql.csv(set)} WHERE team_id = ${teamId} AND public_id = ${id}
        RETURNING ${columns}`.pipe(Effect.map(one), unavailable)
    },
    remove: (teamId, id) =>
      // The choices go with it (ON DELETE CASCADE); the contacts stay.
      sql`DELETE FROM subscription_topics WHERE team_id = ${teamId} AND public_id = ${id} RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    counts: (teamId, id) =>
      sql<{ subscribed: number; unsubscribed: number }>`
        -- A subscriber is one the topic's mail would reach: not unsubscribed from everything, and
        -- not on the team's suppression list (bounced, complained, unsubscribed by link).
        SELECT count(*) FILTER (
                 WHERE (s.id IS NULL OR s.subscribed) AND NOT c.unsubscribed
                   AND NOT EXISTS (SELECT 1 FROM suppressions x
                                   WHERE x.team_id = c.team_id AND lower(x.email) = lower(c.email))
               )::int AS subscribed,
               count(*) FILTER (WHERE s.id IS NOT NULL AND NOT s.subscribed)::int AS unsubscribed
        FROM contacts c LEFT JOIN topic_subscriptions s ON s.topic_id = ${id} AND s.contact_id = c.id
        WHERE c.team_id = ${teamId}`.pipe(
        Effect.map((rows) => ({
          subscribed: rows[0]?.subscribed ?? 0,
          unsubscribed: rows[0]?.unsubscribed ?? 0
        })),
        unavailable
      ),
    subscribers: (teamId, id, subscribed, page, perPage) =>
      Effect.gen(function* () {
        const where = sql.and([sql`c.team_id = ${teamId}`, membership(subscribed)])
        const rows = yield* sql<ContactRow & { since: Date }>`
          SELECT ${sql.literal(contactColumns)}, coalesce(s.updated_at, c.created_at) AS since
          FROM contacts c LEFT JOIN topic_subscriptions s ON s.topic_id = ${id} AND s.contact_id = c.id
          WHERE ${where}
          ORDER BY c.created_at, c.id LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`
        const counted = yield* sql<{ n: number }>`
          SELECT count(*)::int AS n
          FROM contacts c LEFT JOIN topic_subscriptions s ON s.topic_id = ${id} AND s.contact_id = c.id
          WHERE ${where}`
        return {
          subscribers: rows.map((row) => ({ contact: toContact(row), since: row.since })),
          total: counted[0]?.n ?? 0
        }
      }).pipe(unavailable),
    choicesOf: (teamId, contactId) =>
      sql<
        TopicRow & {
          s_id: number | null
          s_subscribed: boolean | null
          s_updated_at: Date | null
          s_contact_id: number | null
        }
      >`
        SELECT t.id, t.public_id, t.team_id, t.name, t.description, t.created_at, t.updated_at,
               s.id AS s_id, s.subscribed AS s_subscribed, s.updated_at AS s_updated_at, s.contact_id AS s_contact_id
        FROM subscription_topics t
        LEFT JOIN topic_subscriptions s ON s.topic_id = t.id AND s.contact_id = ${contactId}
        WHERE t.team_id = ${teamId}
        ORDER BY t.id`.pipe(
        Effect.map((rows) =>
          rows.map((row) => ({
            topic: toTopic(row),
            subscription:
              row.s_id === null
                ? null
                : toSubscription({
                    id: row.s_id,
                    topic_id: row.id,
                    contact_id: row.s_contact_id ?? contactId,
                    subscribed: row.s_subscribed ?? true,
                    updated_at: row.s_updated_at ?? row.updated_at
                  })
          }))
        ),
        unavailable
      ),
    choose: (teamId, topicId, contact, subscribed, events) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            // The topic and contact must both be the team's: the SELECT inserts nothing otherwise.
            const rows = yield* sql<SubscriptionRow>`
              INSERT INTO topic_subscriptions (team_id, topic_id, contact_id, subscribed)
              SELECT ${teamId}, t.id, c.id, ${subscribed}
              FROM subscription_topics t, contacts c
              WHERE t.id = ${topicId} AND t.team_id = ${teamId} AND c.id = ${contact.id} AND c.team_id = ${teamId}
              ON CONFLICT (topic_id, contact_id) DO UPDATE
                SET subscribed = EXCLUDED.subscribed, updated_at = now()
              RETURNING id, topic_id, contact_id, subscribed, updated_at`
            const row = rows[0]
            if (row === undefined) return Option.none()
            yield* insertOutbox(sql, teamId, events)
            return Option.some(toSubscription(row))
          })
        )
        .pipe(unavailable),
    optedOut: (teamId, topicId, contactIds) =>
      (contactIds.length === 0
        ? Effect.succeed(new Set<ContactId>())
        : sql<{ contact_id: number }>`
            SELECT contact_id FROM topic_subscriptions
            WHERE team_id = ${teamId} AND topic_id = ${topicId} AND NOT subscribed
              AND contact_id = ANY (${contactIds.map(Number)}::int[])`.pipe(
            Effect.map((rows) => new Set(rows.map((r) => r.contact_id as ContactId)))
          )
      ).pipe(unavailable)
  })
})

export const layer = Layer.effect(TopicRepository, make)

/**
 * The condition a set-wise marketing send for a topic adds over `contacts` aliased `alias`:
 * true for contacts that have not opted out of the topic.
 */
export const notOptedOut = (sql: SqlClient.SqlClient, topicId: TopicId, alias = "c") =>
  sql`NOT EXISTS (SELECT 1 FROM topic_subscriptions ts
    WHERE ts.topic_id = ${topicId} AND ts.contact_id = ${sql(alias)}.id AND NOT ts.subscribed)`
