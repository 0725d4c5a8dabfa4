import type { NewRequestLogEntry, RequestLogEntry, StatusClass, TeamId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

export interface RequestLogFilter {
  readonly statusClass?: StatusClass
  readonly method?: string
  /** A route template as recorded (`/emails/:id`). */
  readonly endpoint?: string
  readonly apiKeyId?: string
  readonly from?: Date
  readonly to?: Date
}

export interface RequestLogPage {
  readonly entries: ReadonlyArray<RequestLogEntry>
  readonly total: number
}

/** Every authenticated API request, per team (P14). */
export class RequestLog extends Context.Tag("@poststack/application/RequestLog")<
  RequestLog,
  {
    /**
     * Records a request later, in the background: it returns at once and never fails, so no
     * answer waits on the log. Entries wait in a bounded buffer while the store is away; past it
     * they are dropped (and that is logged).
     */
    readonly record: (entry: NewRequestLogEntry) => Effect.Effect<void>
    /** One team's requests, newest first (`page` from 1). */
    readonly list: (
      teamId: TeamId,
      filter: RequestLogFilter,
      page: number,
      perPage: number
    ) => Effect.Effect<RequestLogPage, StoreUnavailable>
    /** Deletes requests older than `cutoff` in statements of at most `batch` rows; answers how many. */
    readonly purgeOlderThan: (cutoff: Date, batch: number) => Effect.Effect<number, StoreUnavailable>
  }
>() {}
