import { SqlClient } from "@effect/sql"
import { UserRepository } from "@poststack/application"
import { AlreadyExists, type TeamId, type UserId } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { toCredentials, type UserRow } from "./AccountRows.js"
import { unavailable } from "./SqlErrors.js"

const taken = new AlreadyExists({ message: "An account with this email address already exists" })

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql`id, email, name, password_hash, email_verified_at, time_zone, created_at`

  return UserRepository.of({
    create: (user, teamName) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            // DO NOTHING rather than catching the unique violation: the transaction stays usable.
            const rows = yield* sql<UserRow>`
              INSERT INTO users (id, email, name, password_hash, time_zone)
              VALUES (${user.id}, ${user.email}, ${user.name}, ${user.passwordHash}, ${user.timeZone})
              ON CONFLICT (email) DO NOTHING
              RETURNING ${columns}`
            const row = Arr.head(rows)
            if (Option.isNone(row)) return Option.none()
            const [team] = yield* sql<{
              id: number
            }>`INSERT INTO teams (name) VALUES (${teamName}) RETURNING id`
            yield* sql`INSERT INTO memberships (team_id, user_id, role) VALUES (${team?.id ?? 0}, ${user.id}, 'owner')`
            return Option.some({ user: toCredentials(row.value).user, teamId: (team?.id ?? 0) as TeamId })
          })
        )
        .pipe(
          unavailable,
          Effect.flatMap((created) =>
            Option.isSome(created) ? Effect.succeed(created.value) : Effect.fail(taken)
          )
        ),
    findByEmail: (email) =>
      sql<UserRow>`SELECT ${columns} FROM users WHERE email = ${email}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toCredentials)),
        unavailable
      ),
    get: (id) =>
      sql<UserRow>`SELECT ${columns} FROM users WHERE id = ${id}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), toCredentials)),
        unavailable
      ),
    setPasswordHash: (id, passwordHash) =>
      sql`UPDATE users SET password_hash = ${passwordHash}, updated_at = now() WHERE id = ${id}`.pipe(
        Effect.asVoid,
        unavailable
      ),
    markEmailVerified: (id, at) =>
      sql`UPDATE users SET email_verified_at = COALESCE(email_verified_at, ${at}), updated_at = now() WHERE id = ${id}`.pipe(
        Effect.asVoid,
        unavailable
      ),
    setEmail: (id, email, at) =>
      sql<{ id: string }>`
        UPDATE users SET email = ${email}, email_verified_at = ${at}, updated_at = now()
        WHERE id = ${id} AND NOT EXISTS (SELECT 1 FROM users other WHERE other.email = ${email} AND other.id <> ${id})
        RETURNING id`.pipe(
        unavailable,
        Effect.flatMap((rows) => (rows.length === 0 ? Effect.fail(taken) : Effect.void))
      ),
    remove: (id) =>
      sql<{ id: string }>`DELETE FROM users WHERE id = ${id} RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      ),
    setProfile: (id, profile) =>
      sql`
        UPDATE users SET name = COALESCE(${profile.name ?? null}, name),
          time_zone = COALESCE(${profile.timeZone ?? null}, time_zone), updated_at = now()
        WHERE id = ${id}`.pipe(Effect.asVoid, unavailable),
    issueLink: (link) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`
              UPDATE account_links SET used_at = now()
              WHERE user_id = ${link.userId} AND purpose = ${link.purpose} AND used_at IS NULL`
            yield* sql`
              INSERT INTO account_links (token_hash, user_id, purpose, new_email, expires_at)
              VALUES (${Buffer.from(link.tokenHash)}, ${link.userId}, ${link.purpose}, ${link.newEmail}, ${link.expiresAt})`
          })
        )
        .pipe(unavailable),
    consumeLink: (tokenHash, purpose, now) =>
      // One statement: of two concurrent uses, the second finds used_at set and gets nothing.
      sql<{ user_id: string; new_email: string | null }>`
        UPDATE account_links SET used_at = ${now}
        WHERE token_hash = ${Buffer.from(tokenHash)} AND purpose = ${purpose}
          AND used_at IS NULL AND expires_at > ${now}
        RETURNING user_id, new_email`.pipe(
        Effect.map((rows) =>
          Option.map(Arr.head(rows), (row) => ({
            userId: row.user_id as UserId,
            newEmail: row.new_email
          }))
        ),
        unavailable
      )
  })
})

export const layer = Layer.effect(UserRepository, make)
