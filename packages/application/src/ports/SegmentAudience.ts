import type { ContactId, SegmentAudienceOf, TeamId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/**
 * Who a segment reaches, for counts and for the sends that will go to it (broadcasts). A rule
 * segment is one query over the team's contacts, never evaluated contact by contact in the process.
 */
export class SegmentAudience extends Context.Tag("@poststack/application/SegmentAudience")<
  SegmentAudience,
  {
    /** How many of the team's contacts the segment holds. */
    readonly count: (teamId: TeamId, audience: SegmentAudienceOf) => Effect.Effect<number, StoreUnavailable>
    /**
     * The next `limit` contact ids of the segment after `after` (ascending row id; `null` starts
     * at the beginning). An empty answer is the end; a caller keeps the last id as its cursor, so a
     * contact added during the walk is reached if its id comes later, and none is given twice.
     */
    readonly ids: (
      teamId: TeamId,
      audience: SegmentAudienceOf,
      after: ContactId | null,
      limit: number
    ) => Effect.Effect<ReadonlyArray<ContactId>, StoreUnavailable>
  }
>() {}
