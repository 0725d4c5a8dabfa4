import type {
  ContactPublicId,
  Segment,
  SegmentId,
  SegmentPublicId,
  SegmentRules,
  TeamId
} from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** What an update changes: `rules` absent keeps them, `null` makes the segment manual. */
export interface SegmentChanges {
  readonly name?: string | undefined
  readonly rules?: SegmentRules | null | undefined
}

/** The outcome of adding contacts: how many rows were new, or the ids the team has no contact for. */
export type AddMembersResult =
  | { readonly _tag: "Added"; readonly added: number }
  | { readonly _tag: "Unknown"; readonly unknown: ReadonlyArray<string> }

/**
 * A team's segments and the member rows of its manual segments. Counting and listing who is in a
 * segment (manual or by rules) is `SegmentAudience`'s and `ContactRepository`'s.
 */
export class SegmentRepository extends Context.Tag("@poststack/application/SegmentRepository")<
  SegmentRepository,
  {
    readonly create: (
      teamId: TeamId,
      name: string,
      rules: SegmentRules | null
    ) => Effect.Effect<Segment, StoreUnavailable>
    /** Newest first. */
    readonly list: (teamId: TeamId) => Effect.Effect<ReadonlyArray<Segment>, StoreUnavailable>
    readonly get: (
      teamId: TeamId,
      id: SegmentPublicId
    ) => Effect.Effect<Option.Option<Segment>, StoreUnavailable>
    /**
     * Applies the changes and bumps `updatedAt`; `None` when the segment is gone. Giving `rules`
     * (new rules, or `null`) drops the member rows: a manual segment made dynamic, or the reverse,
     * starts from what its new definition says, never from the old list.
     */
    readonly update: (
      teamId: TeamId,
      id: SegmentPublicId,
      changes: SegmentChanges
    ) => Effect.Effect<Option.Option<Segment>, StoreUnavailable>
    /** Removes the segment and its member rows (the contacts stay); false when there was none. */
    readonly remove: (teamId: TeamId, id: SegmentPublicId) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * Adds the team's contacts of these ids, all or none: when any id is not a contact of the team
     * nothing is written and those ids are returned. Contacts already members count as not added.
     */
    readonly addMembers: (
      teamId: TeamId,
      segmentId: SegmentId,
      contactIds: ReadonlyArray<ContactPublicId>
    ) => Effect.Effect<AddMembersResult, StoreUnavailable>
    /** Removes one member row; false when the contact was not a member (or is not the team's). */
    readonly removeMember: (
      teamId: TeamId,
      segmentId: SegmentId,
      contactId: ContactPublicId
    ) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * A manual segment's current members by the day they were added: for each day (`YYYY-MM-DD`,
     * UTC, oldest first), how many of today's members had joined by its end.
     */
    readonly growth: (
      teamId: TeamId,
      segmentId: SegmentId,
      days: ReadonlyArray<string>
    ) => Effect.Effect<ReadonlyArray<{ readonly date: string; readonly members: number }>, StoreUnavailable>
  }
>() {}
