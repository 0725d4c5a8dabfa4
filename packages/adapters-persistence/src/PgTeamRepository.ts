import { SqlClient } from "@effect/sql"
import { TeamRepository } from "@poststack/application"
import { Team, type TeamId } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

interface TeamRow {
  readonly id: number
  readonly name: string
  readonly created_at: Date
}

const toTeam = (row: TeamRow): Team =>
  Team.make({ id: row.id as TeamId, name: row.name, createdAt: row.created_at })

const BOOTSTRAP_LOCK = 7_340_002

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const insertTeam = (name: string) =>
    sql<TeamRow>`INSERT INTO teams (name) VALUES (${name}) RETURNING id, name, created_at`.pipe(
      Effect.map((rows) => toTeam(Option.getOrThrow(Arr.head(rows))))
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
      sql<TeamRow>`SELECT id, name, created_at FROM teams WHERE id = ${id}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toTeam)),
        unavailable
      ),
    list: () =>
      sql<TeamRow>`SELECT id, name, created_at FROM teams ORDER BY id`.pipe(
        Effect.map(Arr.map(toTeam)),
        unavailable
      )
  })
})

export const layer = Layer.effect(TeamRepository, make)
