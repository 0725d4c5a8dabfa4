import type { Suppression, SuppressionMatch, SuppressionReason, TeamId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** Which entries a listing keeps; an absent field keeps every entry. */
export interface SuppressionFilter {
  readonly search?: string | undefined
  readonly reason?: SuppressionReason | undefined
}

/** The team's suppression list: what every send path consults, and what its owner reads and edits. */
export class SuppressionList extends Context.Tag("@poststack/application/SuppressionList")<
  SuppressionList,
  {
    /** The entry (id and reason) of each address that is on the list, keyed by lower-cased address. */
    readonly reasons: (
      teamId: TeamId,
      addresses: ReadonlyArray<string>
    ) => Effect.Effect<ReadonlyMap<string, SuppressionMatch>, StoreUnavailable>
    /**
     * Newest first. With `filter`, only entries whose address contains `search` (any case; `%` and
     * `_` match themselves) and whose reason is `reason`; `total` counts those.
     */
    readonly list: (
      teamId: TeamId,
      page: number,
      perPage: number,
      filter?: SuppressionFilter
    ) => Effect.Effect<
      { readonly entries: ReadonlyArray<Suppression>; readonly total: number },
      StoreUnavailable
    >
    /**
     * Puts the address on the list (case-insensitive). An address already listed keeps its
     * first entry and reason; `sourceEmailId` names the email that caused it, if any.
     */
    readonly add: (
      teamId: TeamId,
      email: string,
      reason: SuppressionReason,
      sourceEmailId: number | null
    ) => Effect.Effect<SuppressionMatch, StoreUnavailable>
    /** Takes the address off the list; `false` when it was not on it. */
    readonly remove: (teamId: TeamId, email: string) => Effect.Effect<boolean, StoreUnavailable>
  }
>() {}
