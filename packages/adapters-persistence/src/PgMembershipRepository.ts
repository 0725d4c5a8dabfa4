import { SqlClient } from "@effect/sql"
import { MembershipRepository } from "@poststack/application"
import { Team, type TeamId } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { type MembershipRow, toMembership } from "./AccountRows.js"
import { unavailable } from "./SqlErrors.js"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const select = sql`
    SELECT m.team_id, t.name AS team_name, m.user_id, u.email, u.name, m.role, m.created_at
    FROM memberships m JOIN teams t ON t.id = m.team_id JOIN users u ON u.id = m.user_id`

  /**
   * Whether the team still has an owner once `userId` is left out (or given `role`), read with
   * the team's membership rows locked, so two concurrent demotions see each other.
   */
  const keepsOwner = (teamId: TeamId, userId: string, role: string | null) =>
    Effect.map(
      sql<{ owners: number }>`
        SELECT count(*) FILTER (WHERE role = 'owner' AND user_id <> ${userId})::int AS owners
        FROM (SELECT role, user_id FROM memberships WHERE team_id = ${teamId} FOR UPDATE) locked`,
      (rows) => (rows[0]?.owners ?? 0) > 0 || role === "owner"
    )

  return MembershipRepository.of({
    createTeam: (name, owner) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const [team] = yield* sql<{ id: number; name: string; created_at: Date }>`
              INSERT INTO teams (name) VALUES (${name}) RETURNING id, name, created_at`
            if (team === undefined) return yield* Effect.die("INSERT returned no row")
            yield* sql`INSERT INTO memberships (team_id, user_id, role) VALUES (${team.id}, ${owner}, 'owner')`
            return Team.make({ id: team.id as TeamId, name: team.name, createdAt: team.created_at })
          })
        )
        .pipe(unavailable),
    listForUser: (userId) =>
      sql<MembershipRow>`${select} WHERE m.user_id = ${userId} ORDER BY m.created_at, m.team_id`.pipe(
        Effect.map(Arr.map(toMembership)),
        unavailable
      ),
    find: (teamId, userId) =>
      sql<MembershipRow>`${select} WHERE m.team_id = ${teamId} AND m.user_id = ${userId}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toMembership)),
        unavailable
      ),
    listMembers: (teamId) =>
      sql<MembershipRow>`${select} WHERE m.team_id = ${teamId} ORDER BY m.created_at, u.email`.pipe(
        Effect.map(Arr.map(toMembership)),
        unavailable
      ),
    setRole: (teamId, userId, role) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            if (!(yield* keepsOwner(teamId, userId, role))) return false
            const rows = yield* sql`
              UPDATE memberships SET role = ${role} WHERE team_id = ${teamId} AND user_id = ${userId} RETURNING 1`
            return rows.length > 0
          })
        )
        .pipe(unavailable),
    add: (teamId, userId, role) =>
      // One statement: a team being closed (its row locked, memberships deleted) cannot gain one.
      sql`
        INSERT INTO memberships (team_id, user_id, role)
        SELECT id, ${userId}, ${role} FROM teams WHERE id = ${teamId} AND closed_at IS NULL FOR SHARE
        ON CONFLICT (team_id, user_id) DO NOTHING
        RETURNING 1`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    remove: (teamId, userId) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            if (!(yield* keepsOwner(teamId, userId, null))) return false
            const rows = yield* sql`
              DELETE FROM memberships WHERE team_id = ${teamId} AND user_id = ${userId} RETURNING 1`
            if (rows.length > 0)
              yield* sql`UPDATE sessions SET team_id = NULL WHERE user_id = ${userId} AND team_id = ${teamId}`
            return rows.length > 0
          })
        )
        .pipe(unavailable)
  })
})

export const layer = Layer.effect(MembershipRepository, make)
