import { SuppressionList } from "@poststack/application"
import type { Suppression, TeamId } from "@poststack/domain"
import { Effect, Layer } from "effect"

/** The suppression list in process memory, for tests and tools; same rules as the PostgreSQL one. */
export const make = Effect.sync(() => {
  const entries = new Map<TeamId, Array<Suppression>>()
  let nextId = 1
  const of = (teamId: TeamId) => {
    const list = entries.get(teamId) ?? []
    entries.set(teamId, list)
    return list
  }
  const find = (teamId: TeamId, email: string) =>
    of(teamId).find((e) => e.email.toLowerCase() === email.toLowerCase())
  return SuppressionList.of({
    reasons: (teamId, addresses) =>
      Effect.sync(
        () =>
          new Map(
            addresses.flatMap((a) => {
              const entry = find(teamId, a)
              return entry === undefined
                ? []
                : [[a.toLowerCase(), { id: entry.id, reason: entry.reason }] as const]
            })
          )
      ),
    list: (teamId, page, perPage, filter = {}) =>
      Effect.sync(() => {
        const search = filter.search?.toLowerCase() ?? ""
        const kept = of(teamId).filter(
          (e) =>
            e.email.toLowerCase().includes(search) &&
            (filter.reason === undefined || e.reason === filter.reason)
        )
        const newest = kept.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
        return { entries: newest.slice((page - 1) * perPage, page * perPage), total: newest.length }
      }),
    add: (teamId, email, reason) =>
      Effect.sync(() => {
        const existing = find(teamId, email)
        if (existing !== undefined) return { id: existing.id, reason: existing.reason }
        const entry: Suppression = { id: nextId++, email, reason, createdAt: new Date() }
        of(teamId).push(entry)
        return { id: entry.id, reason: entry.reason }
      }),
    remove: (teamId, email) =>
      Effect.sync(() => {
        const list = of(teamId)
        const at = list.findIndex((e) => e.email.toLowerCase() === email.toLowerCase())
        if (at < 0) return false
        list.splice(at, 1)
        return true
      })
  })
})

export const layer = Layer.effect(SuppressionList, make)
