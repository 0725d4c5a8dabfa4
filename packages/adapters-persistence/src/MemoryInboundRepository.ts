import {
  type InboundAttachmentRecord,
  type InboundEmailRecord,
  InboundRepository
} from "@poststack/application"
import { InboundAttachmentId, InboundEmailId } from "@poststack/domain"
import { Effect, Option } from "effect"
import type { MemoryDomainState } from "./MemoryDomainRepository.js"

/**
 * `InboundRepository` over the memory domains' state; the same contract suite runs against
 * `PgInboundRepository`. It writes no outbox events: their payload is to come from the typed
 * event union rather than be assembled here a second time.
 */
export const make = (state: MemoryDomainState) => {
  const emails = new Map<number, InboundEmailRecord>()
  const attachmentsOf = new Map<number, ReadonlyArray<InboundAttachmentRecord>>()
  const live = () => [...state.domains.values()].filter((s) => !s.deleted).map((s) => s.domain)

  return InboundRepository.of({
    route: (host) =>
      Effect.sync(() => {
        const matches = live()
          .filter(
            (d) =>
              d.status === "verified" &&
              ((d.name === host && d.inboundEnabled) || `${d.returnPathLabel}.${d.name}` === host)
          )
          .sort((a, b) => (a.verifiedAt?.getTime() ?? 0) - (b.verifiedAt?.getTime() ?? 0) || a.id - b.id)
        return Option.map(Option.fromNullable(matches[0]), (d) => ({
          kind: d.name === host ? ("inbound" as const) : ("bounce" as const),
          teamId: d.teamId,
          domainId: d.id,
          domainName: d.name
        }))
      }),
    store: (input, attachments) =>
      Effect.sync(() =>
        input.map((e) => {
          const record: InboundEmailRecord = {
            ...e,
            id: InboundEmailId.make(state.nextId()),
            createdAt: new Date()
          }
          emails.set(record.id, record)
          attachmentsOf.set(
            record.id,
            attachments.map((a) => ({
              ...a,
              id: InboundAttachmentId.make(state.nextId()),
              createdAt: record.createdAt
            }))
          )
          return record.id
        })
      ),
    list: (teamId, domain, page, perPage) =>
      Effect.sync(() => {
        const named =
          domain.name === null
            ? undefined
            : new Set(
                live()
                  .filter((d) => d.teamId === teamId && d.name === domain.name?.toLowerCase())
                  .map((d) => d.id)
              )
        const all = [...emails.values()]
          .filter(
            (e) =>
              e.teamId === teamId &&
              (named === undefined || (e.domainId !== null && named.has(e.domainId))) &&
              (domain.domainId === null || e.domainId === domain.domainId)
          )
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
        return { emails: all.slice((page - 1) * perPage, page * perPage), total: all.length }
      }),
    get: (teamId, id) =>
      Effect.sync(() => Option.filter(Option.fromNullable(emails.get(id)), (e) => e.teamId === teamId)),
    attachments: (teamId, id) =>
      Effect.sync(() => (emails.get(id)?.teamId === teamId ? (attachmentsOf.get(id) ?? []) : [])),
    attachmentCounts: (teamId, ids) =>
      Effect.sync(
        () =>
          new Map(
            ids.flatMap((id) => {
              const n = emails.get(id)?.teamId === teamId ? (attachmentsOf.get(id)?.length ?? 0) : 0
              return n === 0 ? [] : [[id, n] as const]
            })
          )
      ),
    delete: (teamId, id) =>
      Effect.sync(() => {
        const email = emails.get(id)
        if (email === undefined || email.teamId !== teamId) return Option.none()
        const parts = attachmentsOf.get(id) ?? []
        emails.delete(id)
        attachmentsOf.delete(id)
        // The raw message and its parts are shared by the other recipients' rows: kept while any remains.
        if ([...emails.values()].some((e) => e.rawKey === email.rawKey)) return Option.some([])
        return Option.some([email.rawKey, ...parts.map((p) => p.blobKey)])
      })
  })
}
