import type { TeamId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** The team's suppression list, as every send path consults it. */
export class SuppressionList extends Context.Tag("@poststack/application/SuppressionList")<
  SuppressionList,
  {
    /** The suppression reason of each address that is on the list (case-insensitive). */
    readonly reasons: (
      teamId: TeamId,
      addresses: ReadonlyArray<string>
    ) => Effect.Effect<ReadonlyMap<string, string>, StoreUnavailable>
  }
>() {}
