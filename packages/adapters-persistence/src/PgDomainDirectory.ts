import { SqlClient } from "@effect/sql"
import { DomainDirectory } from "@poststack/application"
import type { DomainId } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return DomainDirectory.of({
    resolve: (teamId, ref) =>
      (ref._tag === "Numeric"
        ? sql<{
            id: number
          }>`SELECT id FROM domains WHERE team_id = ${teamId} AND id = ${ref.id} AND deleted_at IS NULL`
        : sql<{
            id: number
          }>`SELECT id FROM domains WHERE team_id = ${teamId} AND public_id = ${ref.publicId} AND deleted_at IS NULL`
      ).pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), (row) => row.id as DomainId)),
        unavailable
      )
  })
})

export const layer = Layer.effect(DomainDirectory, make)
