import type { TeamId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** Rows of one kind removed by one batch, and the blob keys no remaining row refers to. */
export interface PurgedBatch {
  readonly removed: number
  /** Where the next batch starts (pass it back as `after`); `null` when nothing older is left. */
  readonly next: number | null
  /** Stored files (inbound raw messages, attachments) the caller must now delete. */
  readonly freedBlobs: ReadonlyArray<string>
}

/** The kinds of team rows retention removes by age (P22, P23, P24). */
export type RetentionKind = "emails" | "events" | "inbound" | "webhookDeliveries"

/**
 * Deletes what is past its retention, one bounded batch per call: each call is one short
 * transaction, so the hot tables are never locked for long and a crash loses at most one batch's
 * progress (the next round starts again from what is left).
 */
export class RetentionStore extends Context.Tag("@poststack/application/RetentionStore")<
  RetentionStore,
  {
    /** Teams with rows retention may have to remove, ids ascending, after `afterTeam`, at most `limit`. */
    readonly teams: (
      afterTeam: number,
      limit: number
    ) => Effect.Effect<ReadonlyArray<TeamId>, StoreUnavailable>
    /**
     * Deletes up to `batch` of the team's rows of `kind` created before `before`, oldest first.
     * An email goes with its deliveries, events (engagement too), attachments and stored MIME; an
     * email with a delivery still waiting or in flight is kept until it settles. Inbound mail goes
     * with its attachment rows, and answers the blob keys it freed. Outbox events are read in id
     * order from `after` (a window of `batch` ids); the other kinds ignore it.
     */
    readonly purgeBefore: (
      teamId: TeamId,
      kind: RetentionKind,
      before: Date,
      batch: number,
      after: number
    ) => Effect.Effect<PurgedBatch, StoreUnavailable>
    /** Teams closed before `closedBefore` and not deleted yet, ids ascending, at most `limit` (P25). */
    readonly closedTeams: (
      closedBefore: Date,
      limit: number
    ) => Effect.Effect<ReadonlyArray<TeamId>, StoreUnavailable>
    /**
     * Deletes a closed team with every row still its own (contacts, properties, suppressions,
     * domains, templates...); billing records stay (P27: they do not point at the team). The caller
     * purges its mail first, in batches, so this statement meets only small tables.
     */
    readonly removeClosedTeam: (teamId: TeamId) => Effect.Effect<void, StoreUnavailable>
    /** Deletes up to `batch` sessions that expired before `now` (P29); answers how many. */
    readonly purgeExpiredSessions: (now: Date, batch: number) => Effect.Effect<number, StoreUnavailable>
  }
>() {}
