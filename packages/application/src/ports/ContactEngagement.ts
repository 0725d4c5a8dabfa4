import type { EngagementCutoffs } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** Where the engagement recalculation stands: tracking events are read in the order they were stored. */
export interface EngagementProgress {
  /** The first event of the next round is the first one stored after this position. */
  readonly resumeAfter: number
  /** The furthest position read so far. */
  readonly readThrough: number
  /** When a round last read every event from the start; `null`: never. */
  readonly fullPassAt: Date | null
}

/**
 * Contacts' `lastEngagedAt` and `engagementSegment`, kept from the opens and clicks of mail sent to
 * their address in their team. Folding is idempotent (a contact's `lastEngagedAt` only moves
 * forward), so reading an event twice is harmless and a round may start before where the last one
 * ended. Neither operation touches `updatedAt` nor writes events: it is derived data, not an edit.
 */
export class ContactEngagement extends Context.Tag("@poststack/application/ContactEngagement")<
  ContactEngagement,
  {
    readonly progress: () => Effect.Effect<EngagementProgress, StoreUnavailable>
    readonly saveProgress: (progress: EngagementProgress) => Effect.Effect<void, StoreUnavailable>
    /**
     * Reads up to `limit` engagement events stored after position `after` (opens that were not
     * prefetched, and clicks), raises the `lastEngagedAt` of the contacts they reached to the latest
     * one, and sets those contacts' segment at the cutoffs. `last` is the position of the last event
     * read, `null` when there was none.
     */
    readonly fold: (
      after: number,
      limit: number,
      cutoffs: EngagementCutoffs
    ) => Effect.Effect<{ readonly read: number; readonly last: number | null }, StoreUnavailable>
    /**
     * Moves up to `limit` contacts whose stored segment no longer fits their `lastEngagedAt` at the
     * cutoffs (time passed since); returns how many moved.
     */
    readonly reclassify: (
      cutoffs: EngagementCutoffs,
      limit: number
    ) => Effect.Effect<number, StoreUnavailable>
  }
>() {}
