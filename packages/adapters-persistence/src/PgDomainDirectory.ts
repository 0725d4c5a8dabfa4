import { SqlClient } from "@effect/sql"
import { DomainDirectory } from "@poststack/application"
import { DomainId } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option, Schema } from "effect"
import { decodeRows } from "./PgRows.js"
import { unavailable } from "./SqlErrors.js"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const ids = decodeRows("domains", Schema.Struct({ id: DomainId }))
  return DomainDirectory.of({
    resolve: (teamId, ref) =>
      (ref._tag === "Numeric"
        ? sql`SELECT id FROM domains WHERE team_id = ${teamId} AND id = ${ref.id} AND deleted_at IS NULL`
        : sql`SELECT id FROM domains WHERE team_id = ${teamId} AND public_id = ${ref.publicId} AND deleted_at IS NULL`
      ).pipe(
        Effect.flatMap(ids),
        Effect.map((rows) => Option.map(Arr.head(rows), (row) => row.id)),
        unavailable
      )
  })
})

export const layer = Layer.effect(DomainDirectory, make)
