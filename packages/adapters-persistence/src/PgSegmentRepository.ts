import { SqlClient } from "@effect/sql"
import { type AddMembersResult, SegmentRepository } from "@poststack/application"
import {
  newSegmentPublicId,
  Segment,
  type SegmentId,
  type SegmentPublicId,
  type SegmentRules
} from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

interface SegmentRow {
  readonly id: number
  readonly public_id: string
  readonly team_id: number
  readonly name: string
  readonly rules: SegmentRules | null
  readonly created_at: Date
  readonly updated_at: Date
}

const COLUMNS = "id, public_id, team_id, name, rules, created_at, updated_at"

const toSegment = (row: SegmentRow): Segment =>
  Segment.make(
    {
      id: row.id as SegmentId,
      publicId: row.public_id as SegmentPublicId,
      teamId: row.team_id,
      name: row.name,
      rules: row.rules,
      createdAt: row.created_at,
      updatedAt: row.updated_at
    },
    { disableValidation: true }
  )

const json = (rules: SegmentRules | null) => (rules === null ? null : JSON.stringify(rules))

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(COLUMNS)
  const one = (rows: ReadonlyArray<SegmentRow>) => Option.map(Arr.head(rows), toSegment)

  return SegmentRepository.of({
    create: (teamId, name, rules) =>
      sql<SegmentRow>`
        INSERT INTO segments (public_id, team_id, name, rules)
        VALUES (${newSegmentPublicId()}, ${teamId}, ${name}, ${json(rules)}::jsonb)
        RETURNING ${columns}`.pipe(
        Effect.map((rows) => toSegment(rows[0] as SegmentRow)),
        unavailable
      ),
    list: (teamId) =>
      sql<SegmentRow>`
        SELECT ${columns} FROM segments WHERE team_id = ${teamId} ORDER BY created_at DESC, id DESC`.pipe(
        Effect.map((rows) => rows.map(toSegment)),
        unavailable
      ),
    get: (teamId, id) =>
      sql<SegmentRow>`SELECT ${columns} FROM segments WHERE team_id = ${teamId} AND public_id = ${id}`.pipe(
        Effect.map(one),
        unavailable
      ),
    update: (teamId, id, changes) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const set = [sql`updated_at = now()`]
            if (changes.name !== undefined) set.push(sql`name = ${changes.name}`)
            if (changes.rules !== undefined) set.push(sql`rules = ${json(changes.rules)}::jsonb`)
            const updated = one(
              yield* sql<SegmentRow>`
                UPDATE segments SET ${sql.csv(set)} WHERE team_id = ${teamId} AND public_id = ${id}
                RETURNING ${columns}`
            )
            if (Option.isSome(updated) && changes.rules !== undefined)
              yield* sql`DELETE FROM segment_members WHERE segment_id = ${updated.value.id}`
            return updated
          })
        )
        .pipe(unavailable),
    remove: (teamId, id) =>
      sql`DELETE FROM segments WHERE team_id = ${teamId} AND public_id = ${id} RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    addMembers: (teamId, segmentId, contactIds) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const wanted = [...new Set(contactIds)]
            const found = yield* sql<{ id: number; public_id: string }>`
              SELECT id, public_id FROM contacts WHERE team_id = ${teamId} AND public_id = ANY (${wanted})`
            const known = new Set(found.map((r) => r.public_id))
            const unknown = wanted.filter((id) => !known.has(id))
            if (unknown.length > 0) return { _tag: "Unknown", unknown } satisfies AddMembersResult
            // The segment row is the team's (the caller read it): lock it so a concurrent delete waits.
            const inserted = yield* sql`
              INSERT INTO segment_members (segment_id, contact_id)
              SELECT s.id, c.id FROM segments s, unnest(${found.map((r) => r.id)}::int[]) AS c (id)
              WHERE s.id = ${segmentId} AND s.team_id = ${teamId}
              ON CONFLICT DO NOTHING
              RETURNING contact_id`
            return { _tag: "Added", added: inserted.length } satisfies AddMembersResult
          })
        )
        .pipe(unavailable),
    removeMember: (teamId, segmentId, contactId) =>
      sql`
        DELETE FROM segment_members m USING contacts c, segments s
        WHERE m.segment_id = ${segmentId} AND s.id = m.segment_id AND s.team_id = ${teamId}
          AND c.id = m.contact_id AND c.team_id = ${teamId} AND c.public_id = ${contactId}
        RETURNING m.contact_id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    growth: (teamId, segmentId, days) =>
      sql<{ date: string; members: number }>`
        SELECT d.day AS date, (
          SELECT count(*)::int FROM segment_members m
          WHERE m.segment_id = s.id AND m.added_at < (d.day::date + 1)::timestamp AT TIME ZONE 'UTC'
        ) AS members
        FROM segments s, unnest(${[...days]}::text[]) WITH ORDINALITY AS d (day, ord)
        WHERE s.id = ${segmentId} AND s.team_id = ${teamId}
        ORDER BY d.ord`.pipe(unavailable)
  })
})

export const layer = Layer.effect(SegmentRepository, make)
