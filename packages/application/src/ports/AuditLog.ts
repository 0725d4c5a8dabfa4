import type { ActorKind, AuditAction, AuditEntry, NewAuditEntry, TeamId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** What an admin narrows the audit log to; every field optional. */
export interface AuditFilter {
  readonly actions?: ReadonlyArray<AuditAction>
  readonly actorKind?: ActorKind
  readonly actorId?: string
  /** Inclusive lower bound on the time of the action. */
  readonly from?: Date
  /** Exclusive upper bound. */
  readonly to?: Date
}

export interface AuditPage {
  readonly entries: ReadonlyArray<AuditEntry>
  readonly total: number
}

/** The record of who did what (P15, P16, P28). */
export class AuditLog extends Context.Tag("@poststack/application/AuditLog")<
  AuditLog,
  {
    /** Keeps one entry, written before it returns. */
    readonly record: (entry: NewAuditEntry) => Effect.Effect<void, StoreUnavailable>
    /** One team's entries, newest first (`page` from 1); another team's are never among them. */
    readonly list: (
      teamId: TeamId,
      filter: AuditFilter,
      page: number,
      perPage: number
    ) => Effect.Effect<AuditPage, StoreUnavailable>
    /**
     * Entries about one person in every team and none: those they did (actor `user`) and those
     * done to them (target `user`), newest first, at most `limit`: their own copy (P36).
     */
    readonly aboutPerson: (
      userId: string,
      limit: number
    ) => Effect.Effect<ReadonlyArray<AuditEntry>, StoreUnavailable>
    /**
     * Deletes entries older than `cutoff`, at most `batch` rows per statement, until none is left;
     * answers how many went. Bounded batches keep each statement's locks and WAL small.
     */
    readonly purgeOlderThan: (cutoff: Date, batch: number) => Effect.Effect<number, StoreUnavailable>
  }
>() {}
