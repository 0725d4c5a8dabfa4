import { RetentionPolicySource, SubscriptionRepository } from "@poststack/application"
import {
  DEFAULT_PLAN_ID,
  DEFAULT_RETENTION_DAYS,
  MAX_RETENTION_DAYS,
  MIN_RETENTION_DAYS,
  unlimitedPlan
} from "@poststack/domain"
import { Config, Effect, Equal, Layer } from "effect"

/**
 * Each team keeps its logs and content as long as its plan says (P22, P23), read through the
 * team's entitlement (which the repository may cache for a few seconds). A team on the built-in
 * unlimited plan, never edited by the operator, keeps them `defaultDays`: an install without
 * billing sets its one retention with `POSTSTACK_RETENTION_DAYS`.
 */
export const make = (defaultDays: number) =>
  Effect.map(SubscriptionRepository, (subscriptions) =>
    RetentionPolicySource.of({
      retentionDays: (teamId) =>
        Effect.map(subscriptions.entitlementOf(teamId), ({ plan }) =>
          plan.id === DEFAULT_PLAN_ID && Equal.equals(plan, unlimitedPlan) ? defaultDays : plan.retentionDays
        )
    })
  )

export const layer = (defaultDays: number = DEFAULT_RETENTION_DAYS) =>
  Layer.effect(RetentionPolicySource, make(defaultDays))

/** The default from `POSTSTACK_RETENTION_DAYS` (30 unless set, from 14 to 90 as the policy allows). */
export const layerConfig = Layer.unwrapEffect(
  Config.integer("POSTSTACK_RETENTION_DAYS").pipe(
    Config.withDefault(DEFAULT_RETENTION_DAYS),
    Config.validate({
      message: `POSTSTACK_RETENTION_DAYS must be a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}`,
      validation: (days) => days >= MIN_RETENTION_DAYS && days <= MAX_RETENTION_DAYS
    }),
    Config.map(layer)
  )
)
