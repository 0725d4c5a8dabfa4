import { SqlClient } from "@effect/sql"
import { TeamRepository } from "@poststack/application"
import { Team } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { decodeRows } from "./PgRows.js"
import { unavailable } from "./SqlErrors.js"

/** `teams` rows selected as `id, name, created_at AS "createdAt"`: the domain's class itself. */
const teamRows = decodeRows("teams", Team)

const BOOTSTRAP_LOCK = 7_340_002
const INT4_MAX = 2_147_483_647

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const insertTeam = (name: string) =>
    sql`INSERT INTO teams (name) VALUES (${name}) RETURNING id, name, created_at AS "createdAt"`.pipe(
      Effect.flatMap(teamRows),
      Effect.flatMap((rows) => Effect.orDieWith(Arr.head(rows), () => new Error("insert returned no row")))
    )

  return TeamRepository.of({
    createFirst: (name, key) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`
            const existing = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM teams`
            if ((existing[0]?.n ?? 0) > 0) return Option.none<Team>()
            const team = yield* insertTeam(name)
            yield* sql`
              INSERT INTO api_keys (team_id, name, key_prefix, key_hash, permission, mode, domain_id)
              VALUES (${team.id}, ${key.name}, ${key.keyPrefix}, ${Buffer.from(key.keyHash)}, ${key.permission},
                      ${key.mode}, ${key.domainId})`
            return Option.some(team)
          })
        )
        .pipe(unavailable),
    create: (name) => insertTeam(name).pipe(unavailable),
    get: (id) =>
      // Ids are int4: a number past them (typed at the command line) names no team, where binding
      // it would fail the statement and read as the database being down.
      Number.isSafeInteger(id) && id >= 1 && id <= INT4_MAX
        ? sql`SELECT id, name, created_at AS "createdAt" FROM teams WHERE id = ${id}`.pipe(
            Effect.flatMap(teamRows),
            Effect.map(Arr.head),
            unavailable
          )
        : Effect.succeed(Option.none<Team>()),
    list: () =>
      sql`SELECT id, name, created_at AS "createdAt" FROM teams ORDER BY id`.pipe(
        Effect.flatMap(teamRows),
        unavailable
      )
  })
})

export const layer = Layer.effect(TeamRepository, make)
