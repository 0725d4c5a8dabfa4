import { SqlClient } from "@effect/sql"
import { SegmentAudience } from "@poststack/application"
import type { ContactId } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { compileAudience } from "./PgSegmentCompiler.js"
import { unavailable } from "./SqlErrors.js"

/** Who a segment reaches, as one query each: its member rows, or its rules compiled to SQL. */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return SegmentAudience.of({
    count: (teamId, audience) =>
      sql<{ n: number }>`
        SELECT count(*)::int AS n FROM contacts
        WHERE contacts.team_id = ${teamId} AND ${compileAudience(sql, teamId, audience)}`.pipe(
        Effect.map((rows) => rows[0]?.n ?? 0),
        unavailable
      ),
    ids: (teamId, audience, after, limit) =>
      sql<{ id: number }>`
        SELECT contacts.id FROM contacts
        WHERE contacts.team_id = ${teamId} AND contacts.id > ${after ?? 0}
          AND ${compileAudience(sql, teamId, audience)}
        ORDER BY contacts.id LIMIT ${limit}`.pipe(
        Effect.map((rows) => rows.map((r) => r.id as ContactId)),
        unavailable
      )
  })
})

export const layer = Layer.effect(SegmentAudience, make)
