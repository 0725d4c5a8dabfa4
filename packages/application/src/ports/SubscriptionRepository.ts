import type { BillingStatus, Entitlement, Plan, PlanId, TeamId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** Where one team's billing stands. */
export interface TeamBilling {
  readonly teamId: TeamId
  readonly planId: PlanId
  readonly status: BillingStatus
  readonly graceUntil: Date | null
  readonly customerId: string | null
  readonly subscriptionId: string | null
}

/** What a billing record says happened: kept 5 years past the financial year, even after closure (P27). */
export type BillingRecordKind =
  | "plan_changed"
  | "checkout_completed"
  | "subscription_changed"
  | "subscription_ended"
  | "invoice_paid"
  | "payment_failed"
  | "overage_reported"

export interface BillingRecord {
  readonly id: number
  readonly teamId: TeamId
  readonly kind: BillingRecordKind
  /** The provider's event id, when a provider told us. */
  readonly eventId: string | null
  readonly planId: string | null
  readonly amountCents: number | null
  readonly currency: string | null
  readonly detail: Readonly<Record<string, unknown>>
  readonly createdAt: Date
}

/** A change to apply to a team's billing with the record that explains it. */
export interface BillingChange {
  readonly record: Omit<BillingRecord, "id" | "teamId">
  /**
   * When the provider made the change: an older change than the last one applied is stale.
   * `null`: a change that commutes with the others (linking a customer), never stale.
   */
  readonly occurredAt: Date | null
  readonly planId?: PlanId
  readonly status?: BillingStatus
  readonly graceUntil?: Date | null
  readonly customerId?: string
  readonly subscriptionId?: string | null
}

/**
 * Plans (the operator's data) and each team's place among them: plan, subscription state and
 * billing records. A team never assigned a plan is on the default unlimited plan, status `none`.
 */
export class SubscriptionRepository extends Context.Tag("@poststack/application/SubscriptionRepository")<
  SubscriptionRepository,
  {
    /** Every plan by id, the default unlimited plan among them even when never saved. */
    readonly listPlans: () => Effect.Effect<ReadonlyArray<Plan>, StoreUnavailable>
    readonly findPlan: (id: PlanId) => Effect.Effect<Option.Option<Plan>, StoreUnavailable>
    /** The plan sold at this provider price. */
    readonly findPlanByPrice: (priceId: string) => Effect.Effect<Option.Option<Plan>, StoreUnavailable>
    /** Creates or replaces the plan of that id. */
    readonly savePlan: (plan: Plan) => Effect.Effect<void, StoreUnavailable>
    /** What a send checks: read on every send, so adapters may answer from a cache of a few seconds. */
    readonly entitlementOf: (teamId: TeamId) => Effect.Effect<Entitlement, StoreUnavailable>
    readonly billingOf: (teamId: TeamId) => Effect.Effect<TeamBilling, StoreUnavailable>
    /** The team whose provider customer this is. */
    readonly teamOfCustomer: (customerId: string) => Effect.Effect<Option.Option<TeamId>, StoreUnavailable>
    /**
     * Applies a change with its record in one commit. `duplicate`: a record with this event id was
     * kept before (a replay), nothing changes. `stale`: the team's billing was changed by a later
     * event already; the record is kept, the state is not touched.
     */
    readonly apply: (
      teamId: TeamId,
      change: BillingChange
    ) => Effect.Effect<"applied" | "duplicate" | "stale", StoreUnavailable>
    /** The team's billing records, newest first. */
    readonly records: (teamId: TeamId) => Effect.Effect<ReadonlyArray<BillingRecord>, StoreUnavailable>
    /** Teams with a provider customer on a plan that bills overage: who the overage report visits. */
    readonly overageTeams: () => Effect.Effect<ReadonlyArray<TeamBilling>, StoreUnavailable>
  }
>() {}
