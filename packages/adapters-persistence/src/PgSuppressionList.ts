import { SqlClient } from "@effect/sql"
import { SuppressionList } from "@poststack/application"
import { Effect, Layer } from "effect"
import { unavailable } from "./SqlErrors.js"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return SuppressionList.of({
    reasons: (teamId, addresses) =>
      addresses.length === 0
        ? Effect.succeed(new Map())
        : sql<{ email: string; reason: string }>`
            SELECT lower(email) AS email, reason FROM suppressions
            WHERE team_id = ${teamId} AND lower(email) = ANY (${addresses.map((a) => a.toLowerCase())})`.pipe(
            Effect.map((rows) => new Map(rows.map((r) => [r.email, r.reason]))),
            unavailable
          )
  })
})

export const layer = Layer.effect(SuppressionList, make)
