import type { DailyUsage, Plan, Refusal, TeamId, UsageToDate } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/**
 * A place held under a limited plan's limits for one email being accepted. `id` names it to the
 * store, which releases it in the commit that writes the email (`NewEmail.quotaHold`), so a place
 * is never counted twice, nor lost between two server processes.
 */
export interface QuotaHold {
  readonly id: string
}

/**
 * Each team's usage per day (P17): live and test emails accepted, sent, delivered and bounced,
 * counted from the emails and their events as they are written; and the place of a send under
 * its plan's limits while it is being accepted.
 */
export class UsageMeter extends Context.Tag("@poststack/application/UsageMeter")<
  UsageMeter,
  {
    /**
     * Holds a place for one live email under the plan's limits, or says which limit refuses it.
     * Places held and not yet settled count as used, so emails accepted concurrently (one batch,
     * or several server processes sharing the store) cannot pass a limit between them. Every
     * hold is followed by `settle`; one its process never settles lapses after a few minutes.
     */
    readonly admit: (
      teamId: TeamId,
      plan: Plan,
      now: Date
    ) => Effect.Effect<Refusal | QuotaHold, StoreUnavailable>
    /** Gives the place back: `accepted` when the email was written (it now counts as used). */
    readonly settle: (teamId: TeamId, hold: QuotaHold, accepted: boolean, now: Date) => Effect.Effect<void>
    /** Live emails accepted today and this month (UTC), as written. */
    readonly toDate: (teamId: TeamId, now: Date) => Effect.Effect<UsageToDate, StoreUnavailable>
    /** Days of `[from, to]` (UTC dates) that saw any use, oldest first. */
    readonly daily: (
      teamId: TeamId,
      from: Date,
      to: Date
    ) => Effect.Effect<ReadonlyArray<DailyUsage>, StoreUnavailable>
    /**
     * Marks the overage of one team's period as reported, once: `true` the first time, `false`
     * when it was marked already (a retried report must not bill twice).
     */
    readonly markOverageReported: (
      teamId: TeamId,
      period: string,
      quantity: number
    ) => Effect.Effect<boolean, StoreUnavailable>
    /** Undoes `markOverageReported` when the report could not be made, so the next round retries. */
    readonly unmarkOverageReported: (teamId: TeamId, period: string) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
