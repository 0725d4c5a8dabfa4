import { HttpApiBuilder } from "@effect/platform"
import { ListAuditLog, ListRequestLog } from "@poststack/application"
import type { AuditEntry, RequestLogEntry } from "@poststack/domain"
import { Effect } from "effect"
import { Api, AuditEntryView, CurrentPrincipal, RequestLogView } from "@poststack/contract"

const meta = (page: number, perPage: number, total: number) => ({
  page,
  perPage,
  total,
  totalPages: Math.ceil(total / perPage)
})

const toAuditView = (e: AuditEntry) =>
  AuditEntryView.make(
    {
      id: e.id,
      action: e.action,
      actor: e.actor,
      target: e.target,
      details: e.details,
      ipAddress: e.address,
      userAgent: e.userAgent,
      createdAt: e.at
    },
    { disableValidation: true }
  )

const toRequestView = (e: RequestLogEntry) =>
  RequestLogView.make(
    {
      id: e.id,
      method: e.method,
      endpoint: e.endpoint,
      status: e.status,
      durationMs: e.durationMs,
      apiKeyId: e.actor.kind === "api_key" ? Number(e.actor.id) : null,
      actor: e.actor,
      ipAddress: e.address,
      userAgent: e.userAgent,
      createdAt: e.at
    },
    { disableValidation: true }
  )

const defined = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>
  }

export const AuditLogLive = HttpApiBuilder.group(Api, "auditLog", (handlers) =>
  handlers.handle("list", ({ urlParams: q }) =>
    Effect.gen(function* () {
      const caller = yield* CurrentPrincipal
      const filter = defined({
        actions: q.action === undefined ? undefined : [q.action],
        actorKind: q.actorType,
        actorId: q.actorId,
        from: q.from,
        to: q.to
      })
      const { entries, total } = yield* ListAuditLog(caller, filter, q.page, q.perPage)
      return { data: entries.map(toAuditView), meta: meta(q.page, q.perPage, total) }
    })
  )
)

export const RequestLogsLive = HttpApiBuilder.group(Api, "requestLogs", (handlers) =>
  handlers.handle("list", ({ urlParams: q }) =>
    Effect.gen(function* () {
      const caller = yield* CurrentPrincipal
      const filter = defined({
        statusClass: q.status,
        method: q.method,
        endpoint: q.endpoint,
        apiKeyId: q.apiKeyId === undefined ? undefined : String(q.apiKeyId),
        from: q.from,
        to: q.to
      })
      const { entries, total } = yield* ListRequestLog(caller, filter, q.page, q.perPage)
      return { data: entries.map(toRequestView), meta: meta(q.page, q.perPage, total) }
    })
  )
)
