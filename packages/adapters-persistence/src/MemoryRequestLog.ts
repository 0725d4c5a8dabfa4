import { RequestLog } from "@poststack/application"
import { RequestLogEntry, statusRange } from "@poststack/domain"
import { Effect, Layer } from "effect"

/** The API request log in process memory, for tests and tools; the same rules as `PgRequestLog`. */
export const make = Effect.sync(() => {
  const entries: Array<RequestLogEntry> = []
  let nextId = 1
  return RequestLog.of({
    record: (entry) =>
      Effect.sync(() => {
        entries.push(RequestLogEntry.make({ ...entry, id: String(nextId++) }))
      }),
    list: (teamId, filter, page, perPage) =>
      Effect.sync(() => {
        const range = filter.statusClass === undefined ? undefined : statusRange(filter.statusClass)
        const matching = entries
          .filter(
            (e) =>
              e.teamId === teamId &&
              (range === undefined || (e.status >= range[0] && e.status <= range[1])) &&
              (filter.method === undefined || e.method === filter.method) &&
              (filter.endpoint === undefined || e.endpoint === filter.endpoint) &&
              (filter.apiKeyId === undefined ||
                (e.actor.kind === "api_key" && e.actor.id === filter.apiKeyId)) &&
              (filter.from === undefined || e.at >= filter.from) &&
              (filter.to === undefined || e.at < filter.to)
          )
          .sort((a, b) => b.at.getTime() - a.at.getTime() || Number(b.id) - Number(a.id))
        return { entries: matching.slice((page - 1) * perPage, page * perPage), total: matching.length }
      }),
    purgeOlderThan: (cutoff) =>
      Effect.sync(() => {
        const before = entries.length
        const kept = entries.filter((e) => e.at >= cutoff)
        entries.splice(0, entries.length, ...kept)
        return before - kept.length
      })
  })
})

export const layer = Layer.effect(RequestLog, make)
