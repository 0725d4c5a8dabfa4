import { AuditLog } from "@poststack/application"
import { AuditEntry } from "@poststack/domain"
import { Effect, Layer } from "effect"

/** The audit log in process memory, for tests and tools; the same rules as `PgAuditLog`. */
export const make = Effect.sync(() => {
  const entries: Array<AuditEntry> = []
  let nextId = 1
  return AuditLog.of({
    record: (entry) =>
      Effect.sync(() => {
        entries.push(AuditEntry.make({ ...entry, id: String(nextId++) }))
      }),
    list: (teamId, filter, page, perPage) =>
      Effect.sync(() => {
        const matching = entries
          .filter(
            (e) =>
              e.teamId === teamId &&
              (filter.actions === undefined ||
                filter.actions.length === 0 ||
                filter.actions.includes(e.action)) &&
              (filter.actorKind === undefined || e.actor?.kind === filter.actorKind) &&
              (filter.actorId === undefined || e.actor?.id === filter.actorId) &&
              (filter.from === undefined || e.at >= filter.from) &&
              (filter.to === undefined || e.at < filter.to)
          )
          .sort((a, b) => b.at.getTime() - a.at.getTime() || Number(b.id) - Number(a.id))
        return { entries: matching.slice((page - 1) * perPage, page * perPage), total: matching.length }
      }),
    aboutPerson: (userId, limit) =>
      Effect.sync(() =>
        entries
          .filter(
            (e) =>
              (e.actor?.kind === "user" && e.actor.id === userId) ||
              (e.target?.type === "user" && e.target.id === userId)
          )
          .sort((a, b) => b.at.getTime() - a.at.getTime() || Number(b.id) - Number(a.id))
          .slice(0, limit)
      ),
    purgeOlderThan: (cutoff) =>
      Effect.sync(() => {
        const before = entries.length
        const kept = entries.filter((e) => e.at >= cutoff)
        entries.splice(0, entries.length, ...kept)
        return before - kept.length
      })
  })
})

export const layer = Layer.effect(AuditLog, make)
