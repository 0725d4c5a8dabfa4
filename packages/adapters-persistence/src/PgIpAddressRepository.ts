import { SqlClient } from "@effect/sql"
import { IpAddressRepository } from "@poststack/application"
import { Effect, Layer } from "effect"
import { unavailable } from "./SqlErrors.js"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return IpAddressRepository.of({
    ensure: (addresses) =>
      Effect.forEach(addresses, ({ address, teamId }) =>
        sql<{ id: number }>`
          INSERT INTO ip_addresses (address, team_id) VALUES (${address}, ${teamId})
          ON CONFLICT (address) DO UPDATE SET team_id = EXCLUDED.team_id
          RETURNING id`.pipe(Effect.map((rows) => rows[0]?.id ?? 0))
      ).pipe(unavailable),
    assign: (teamId, domainId, ipAddressId) =>
      sql<{ id: number }>`
        UPDATE domains SET ip_address_id = ${ipAddressId}
        WHERE team_id = ${teamId} AND id = ${domainId} AND deleted_at IS NULL
          AND EXISTS (SELECT 1 FROM ip_addresses WHERE id = ${ipAddressId} AND (team_id IS NULL OR team_id = ${teamId}))
        RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    unassign: (teamId, domainId) =>
      sql`UPDATE domains SET ip_address_id = NULL WHERE team_id = ${teamId} AND id = ${domainId}`.pipe(
        Effect.asVoid,
        unavailable
      )
  })
})

export const layer = Layer.effect(IpAddressRepository, make)
