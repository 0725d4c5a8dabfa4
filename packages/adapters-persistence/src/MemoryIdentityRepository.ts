import { IdentityRepository, type LinkedIdentity } from "@poststack/application"
import { AlreadyExists, GITHUB_REFUSALS, type UserId } from "@poststack/domain"
import { Effect, Layer, Option } from "effect"

const taken = new AlreadyExists({
  message: GITHUB_REFUSALS.linked_elsewhere
})

/** The memory twin of `PgIdentityRepository`, held to the same contract suite. */
export const make = Effect.sync(() => {
  const rows: Array<LinkedIdentity & { userId: UserId }> = []
  return IdentityRepository.of({
    find: (provider, providerId) =>
      Effect.sync(() =>
        Option.map(
          Option.fromNullable(rows.find((r) => r.provider === provider && r.providerId === providerId)),
          (r) => r.userId
        )
      ),
    forUser: (userId) =>
      Effect.sync(() =>
        rows
          .filter((r) => r.userId === userId)
          .map(({ userId: _, ...identity }) => identity)
          .sort((a, b) => a.provider.localeCompare(b.provider))
      ),
    link: (userId, provider, profile) =>
      Effect.suspend(() => {
        const index = rows.findIndex((r) => r.provider === provider && r.providerId === profile.providerId)
        const existing = rows[index]
        if (existing !== undefined) {
          if (existing.userId !== userId) return Effect.fail(taken)
          rows[index] = { ...existing, ...profile }
          return Effect.void
        }
        if (rows.some((r) => r.userId === userId && r.provider === provider)) return Effect.fail(taken)
        rows.push({ ...profile, provider, userId, linkedAt: new Date() })
        return Effect.void
      }),
    unlink: (userId, provider) =>
      Effect.sync(() => {
        const index = rows.findIndex((r) => r.userId === userId && r.provider === provider)
        if (index < 0) return false
        rows.splice(index, 1)
        return true
      })
  })
})

export const layer = Layer.effect(IdentityRepository, make)
