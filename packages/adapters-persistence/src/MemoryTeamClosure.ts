import { TeamClosure } from "@poststack/application"
import type { TeamId } from "@poststack/domain"
import { Effect, Layer } from "effect"

/** Remembers which teams were closed and when; the other in-memory stores are not reached. */
export const make = Effect.sync(() => {
  const closed = new Map<TeamId, Date>()
  return TeamClosure.of({
    close: (teamId, at) =>
      Effect.sync(() => {
        const before = closed.get(teamId)
        if (before !== undefined) return { closedAt: before, keysRevoked: 0, emailsCancelled: 0 }
        closed.set(teamId, at)
        return { closedAt: at, keysRevoked: 0, emailsCancelled: 0 }
      })
  })
})

export const layer = Layer.effect(TeamClosure, make)
