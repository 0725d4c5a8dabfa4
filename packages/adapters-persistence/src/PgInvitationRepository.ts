import { SqlClient } from "@effect/sql"
import { InvitationRepository } from "@poststack/application"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { type InvitationRow, toInvitation } from "./AccountRows.js"
import { unavailable } from "./SqlErrors.js"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql`id, team_id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at`

  return InvitationRepository.of({
    create: (invitation) =>
      sql<InvitationRow>`
        INSERT INTO invitations (id, team_id, email, role, token_hash, invited_by, expires_at)
        VALUES (${invitation.id}, ${invitation.teamId}, ${invitation.email}, ${invitation.role},
                ${Buffer.from(invitation.tokenHash)}, ${invitation.invitedBy}, ${invitation.expiresAt})
        RETURNING ${columns}`.pipe(
        Effect.map((rows) => toInvitation(Option.getOrThrow(Arr.head(rows)))),
        unavailable
      ),
    list: (teamId) =>
      sql<InvitationRow>`SELECT ${columns} FROM invitations WHERE team_id = ${teamId} ORDER BY created_at DESC, id`.pipe(
        Effect.map(Arr.map(toInvitation)),
        unavailable
      ),
    revoke: (teamId, id, at) =>
      sql`
        UPDATE invitations SET revoked_at = ${at}
        WHERE team_id = ${teamId} AND id = ${id} AND accepted_at IS NULL AND revoked_at IS NULL
        RETURNING 1`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    accept: (tokenHash, userId, now) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const rows = yield* sql<InvitationRow>`
              UPDATE invitations SET accepted_at = ${now}, accepted_by = ${userId}
              WHERE token_hash = ${Buffer.from(tokenHash)} AND accepted_at IS NULL AND revoked_at IS NULL
                AND expires_at > ${now}
              RETURNING ${columns}`
            const row = Arr.head(rows)
            if (Option.isNone(row)) return Option.none()
            yield* sql`
              INSERT INTO memberships (team_id, user_id, role) VALUES (${row.value.team_id}, ${userId}, ${row.value.role})
              ON CONFLICT (team_id, user_id) DO NOTHING`
            return Option.some(toInvitation(row.value))
          })
        )
        .pipe(unavailable)
  })
})

export const layer = Layer.effect(InvitationRepository, make)
