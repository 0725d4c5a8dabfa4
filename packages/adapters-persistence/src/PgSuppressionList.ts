import { SqlClient } from "@effect/sql"
import { SuppressionList } from "@poststack/application"
import type { SuppressionMatch, SuppressionReason } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { unavailable } from "./SqlErrors.js"

/** An ILIKE pattern for addresses containing `text`, where `%`, `_` and `\` match themselves. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return SuppressionList.of({
    reasons: (teamId, addresses) =>
      addresses.length === 0
        ? Effect.succeed(new Map())
        : sql<{ id: number; email: string; reason: SuppressionReason }>`
            SELECT id, lower(email) AS email, reason FROM suppressions
            WHERE team_id = ${teamId} AND lower(email) = ANY (${addresses.map((a) => a.toLowerCase())})`.pipe(
            Effect.map(
              (rows) =>
                new Map<string, SuppressionMatch>(rows.map((r) => [r.email, { id: r.id, reason: r.reason }]))
            ),
            unavailable
          ),
    list: (teamId, page, perPage, filter = {}) =>
      Effect.gen(function* () {
        const where = sql.and([
          sql`team_id = ${teamId}`,
          ...(filter.search === undefined || filter.search === ""
            ? []
            : [sql`email ILIKE ${containing(filter.search)}`]),
          ...(filter.reason === undefined ? [] : [sql`reason = ${filter.reason}`])
        ])
        const rows = yield* sql<{ id: number; email: string; reason: SuppressionReason; created_at: Date }>`
          SELECT id, email, reason, created_at FROM suppressions WHERE ${where}
          ORDER BY created_at DESC, id DESC LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`
        const counted = yield* sql<{ n: number }>`
          SELECT count(*)::int AS n FROM suppressions WHERE ${where}`
        return {
          entries: rows.map((r) => ({ id: r.id, email: r.email, reason: r.reason, createdAt: r.created_at })),
          total: counted[0]?.n ?? 0
        }
      }).pipe(unavailable),
    add: (teamId, email, reason, sourceEmailId) =>
      Effect.gen(function* () {
        // DO UPDATE (a no-op) rather than DO NOTHING, so the entry that was already there is returned too.
        const rows = yield* sql<{ id: number; reason: SuppressionReason }>`
          INSERT INTO suppressions (team_id, email, reason, source_email_id)
          VALUES (${teamId}, ${email}, ${reason}, ${sourceEmailId})
          ON CONFLICT (team_id, lower(email)) DO UPDATE SET team_id = EXCLUDED.team_id
          RETURNING id, reason`
        const row = rows[0]
        if (row === undefined) return yield* Effect.dieMessage("suppression upsert returned no row")
        return { id: row.id, reason: row.reason }
      }).pipe(unavailable),
    remove: (teamId, email) =>
      sql<{ id: number }>`
        DELETE FROM suppressions WHERE team_id = ${teamId} AND lower(email) = ${email.toLowerCase()}
        RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      )
  })
})

export const layer = Layer.effect(SuppressionList, make)
