import { SqlClient } from "@effect/sql"
import { IdentityRepository } from "@poststack/application"
import { AlreadyExists, GITHUB_REFUSALS, type IdentityProvider, type UserId } from "@poststack/domain"
import { Array as Arr, Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

interface IdentityRow {
  readonly provider: IdentityProvider
  readonly provider_id: string
  readonly name: string
  readonly email: string
  readonly avatar_url: string | null
  readonly linked_at: Date
}

const taken = new AlreadyExists({
  message: GITHUB_REFUSALS.linked_elsewhere
})

/** `linked_identities`: one row per provider account, one per person and provider. */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return IdentityRepository.of({
    find: (provider, providerId) =>
      sql<{ user_id: string }>`
        SELECT user_id FROM linked_identities WHERE provider = ${provider} AND provider_id = ${providerId}`.pipe(
        Effect.map((rows) => Option.map(Arr.head(rows), (r) => r.user_id as UserId)),
        unavailable
      ),
    forUser: (userId) =>
      sql<IdentityRow>`
        SELECT provider, provider_id, name, email, avatar_url, linked_at FROM linked_identities
        WHERE user_id = ${userId} ORDER BY provider`.pipe(
        Effect.map(
          Arr.map((r) => ({
            provider: r.provider,
            providerId: r.provider_id,
            name: r.name,
            email: r.email,
            avatarUrl: r.avatar_url,
            linkedAt: r.linked_at
          }))
        ),
        unavailable
      ),
    link: (userId, provider, p) =>
      sql<{ user_id: string }>`
        INSERT INTO linked_identities (provider, provider_id, user_id, name, email, avatar_url)
        VALUES (${provider}, ${p.providerId}, ${userId}, ${p.name}, ${p.email}, ${p.avatarUrl})
        ON CONFLICT (provider, provider_id) DO UPDATE
          SET name = excluded.name, email = excluded.email, avatar_url = excluded.avatar_url
          WHERE linked_identities.user_id = excluded.user_id
        RETURNING user_id`.pipe(
        Effect.map((rows) => rows.length > 0),
        // The person's own other account at the provider: the (user_id, provider) key refuses it.
        Effect.catchIf(
          (e) => String((e.cause as { code?: string } | undefined)?.code) === "23505",
          () => Effect.succeed(false)
        ),
        unavailable,
        Effect.flatMap((linked) => (linked ? Effect.void : Effect.fail(taken)))
      ),
    unlink: (userId, provider) =>
      sql`DELETE FROM linked_identities WHERE user_id = ${userId} AND provider = ${provider} RETURNING user_id`.pipe(
        Effect.map((rows) => rows.length > 0),
        unavailable
      )
  })
})

export const layer = Layer.effect(IdentityRepository, make)
