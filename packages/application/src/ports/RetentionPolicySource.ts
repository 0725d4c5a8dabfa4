import type { TeamId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/**
 * How long each team's logs and content are kept (P22, P23): its plan's log retention once plans
 * exist, `DEFAULT_RETENTION_DAYS` until then. Answers are days; the caller clamps them to the
 * policy's range.
 */
export class RetentionPolicySource extends Context.Tag("@poststack/application/RetentionPolicySource")<
  RetentionPolicySource,
  {
    readonly retentionDays: (teamId: TeamId) => Effect.Effect<number, StoreUnavailable>
  }
>() {}
