import { SqlClient } from "@effect/sql"
import { TeamClosure } from "@poststack/application"
import { Effect, Layer } from "effect"
import { unavailable } from "./SqlErrors.js"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return TeamClosure.of({
    close: (teamId, at) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            // The row lock orders two closures of the same team: the second sees the first's time.
            const [team] = yield* sql<{ closed_at: Date | null }>`
              SELECT closed_at FROM teams WHERE id = ${teamId} FOR UPDATE`
            if (team?.closed_at != null)
              return { closedAt: team.closed_at, keysRevoked: 0, emailsCancelled: 0 }
            yield* sql`UPDATE teams SET closed_at = ${at} WHERE id = ${teamId}`
            // Revoked, but remembered by hash: a client still using one is told the team was closed.
            const [keys] = yield* sql<{ revoked: number }>`
              WITH gone AS (DELETE FROM api_keys WHERE team_id = ${teamId} RETURNING key_hash, key_hash_peppered),
              kept AS (
                INSERT INTO closed_team_keys (key_hash, team_id)
                SELECT key_hash, ${teamId} FROM gone WHERE key_hash_peppered
                ON CONFLICT (key_hash) DO NOTHING)
              SELECT count(*)::int AS revoked FROM gone`
            // Mail not handed to a receiving server yet never leaves; a delivery in flight settles.
            const cancelled = yield* sql<{ email_id: string }>`
              UPDATE deliveries SET status = 'cancelled'
              WHERE team_id = ${teamId} AND status IN ('scheduled', 'queued', 'deferred')
              RETURNING email_id`
            const emails = [...new Set(cancelled.map((r) => r.email_id))]
            if (emails.length > 0)
              yield* sql`UPDATE emails SET status = 'cancelled' WHERE id IN ${sql.in(emails)}
                AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.email_id = emails.id AND d.status <> 'cancelled')`
            yield* sql`DELETE FROM invitations WHERE team_id = ${teamId}`
            yield* sql`DELETE FROM memberships WHERE team_id = ${teamId}`
            yield* sql`UPDATE sessions SET team_id = NULL WHERE team_id = ${teamId}`
            return { closedAt: at, keysRevoked: keys?.revoked ?? 0, emailsCancelled: emails.length }
          })
        )
        .pipe(unavailable)
  })
})

export const layer = Layer.effect(TeamClosure, make)
