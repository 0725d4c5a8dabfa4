import { SqlClient } from "@effect/sql"
import { type BillingRecord, SubscriptionRepository, type TeamBilling } from "@poststack/application"
import {
  type BillingStatus,
  DEFAULT_PLAN_ID,
  type Entitlement,
  Plan,
  type PlanId,
  type TeamId,
  unlimitedPlan
} from "@poststack/domain"
import { Effect, Layer, Option } from "effect"
import { unavailable } from "./SqlErrors.js"

interface PlanRow {
  id: string
  name: string
  monthly_limit: string | null
  daily_limit: string | null
  retention_days: number
  overage_cents_per_1000: number | null
  stripe_price_id: string | null
  bulk_hourly_limit: string | null
}

const toPlan = (row: PlanRow): Plan =>
  Plan.make({
    id: row.id as PlanId,
    name: row.name,
    monthlyLimit: row.monthly_limit === null ? null : Number(row.monthly_limit),
    dailyLimit: row.daily_limit === null ? null : Number(row.daily_limit),
    retentionDays: row.retention_days,
    overageCentsPer1000: row.overage_cents_per_1000,
    stripePriceId: row.stripe_price_id,
    bulkHourlyLimit: row.bulk_hourly_limit === null ? null : Number(row.bulk_hourly_limit)
  })

interface BillingRow {
  team_id: number
  plan_id: string
  status: BillingStatus
  grace_until: Date | null
  customer_id: string | null
  subscription_id: string | null
}

const toBilling = (row: BillingRow): TeamBilling => ({
  teamId: row.team_id as TeamId,
  planId: row.plan_id as PlanId,
  status: row.status,
  graceUntil: row.grace_until,
  customerId: row.customer_id,
  subscriptionId: row.subscription_id
})

const noBilling = (teamId: TeamId): TeamBilling => ({
  teamId,
  planId: DEFAULT_PLAN_ID,
  status: "none",
  graceUntil: null,
  customerId: null,
  subscriptionId: null
})

/**
 * `entitlementTtlMs`: how long a team's entitlement is answered from memory (every send reads
 * it). A change made through this process is seen at once; one made elsewhere (the CLI, another
 * server) after at most that long.
 */
export const make = (entitlementTtlMs: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const cache = new Map<TeamId, { readonly until: number; readonly value: Entitlement }>()

    const findPlan = (id: PlanId) =>
      sql<PlanRow>`SELECT * FROM plans WHERE id = ${id}`.pipe(
        Effect.map((rows) =>
          rows[0] !== undefined
            ? Option.some(toPlan(rows[0]))
            : id === DEFAULT_PLAN_ID
              ? Option.some(unlimitedPlan)
              : Option.none()
        ),
        unavailable
      )
    const billingOf = (teamId: TeamId) =>
      sql<BillingRow>`SELECT * FROM team_billing WHERE team_id = ${teamId}`.pipe(
        Effect.map((rows) => (rows[0] === undefined ? noBilling(teamId) : toBilling(rows[0]))),
        unavailable
      )
    const readEntitlement = (teamId: TeamId) =>
      sql<PlanRow & { status: BillingStatus | null; grace_until: Date | null; plan_id: string | null }>`
        SELECT b.status, b.grace_until, b.plan_id, p.*
        FROM (SELECT ${teamId}::integer AS team_id) t
        LEFT JOIN team_billing b ON b.team_id = t.team_id
        LEFT JOIN plans p ON p.id = coalesce(b.plan_id, ${DEFAULT_PLAN_ID})`.pipe(
        Effect.map((rows): Entitlement => {
          const row = rows[0]
          return {
            // A plan deleted under a team, or the default never saved: the unlimited plan.
            plan: row === undefined || row.id === null ? unlimitedPlan : toPlan(row),
            status: row?.status ?? "none",
            graceUntil: row?.grace_until ?? null
          }
        }),
        unavailable
      )

    return SubscriptionRepository.of({
      listPlans: () =>
        sql<PlanRow>`SELECT * FROM plans ORDER BY id`.pipe(
          Effect.map((rows) => {
            const plans = rows.map(toPlan)
            return plans.some((p) => p.id === DEFAULT_PLAN_ID) ? plans : [unlimitedPlan, ...plans]
          }),
          unavailable
        ),
      findPlan,
      findPlanByPrice: (priceId) =>
        sql<PlanRow>`SELECT * FROM plans WHERE stripe_price_id = ${priceId}`.pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toPlan)),
          unavailable
        ),
      savePlan: (plan) =>
        sql`
          INSERT INTO plans (id, name, monthly_limit, daily_limit, retention_days, overage_cents_per_1000, stripe_price_id,
            bulk_hourly_limit)
          VALUES (${plan.id}, ${plan.name}, ${plan.monthlyLimit}, ${plan.dailyLimit}, ${plan.retentionDays},
                  ${plan.overageCentsPer1000}, ${plan.stripePriceId}, ${plan.bulkHourlyLimit})
          ON CONFLICT (id) DO UPDATE SET name = excluded.name, monthly_limit = excluded.monthly_limit,
            daily_limit = excluded.daily_limit, retention_days = excluded.retention_days,
            overage_cents_per_1000 = excluded.overage_cents_per_1000, stripe_price_id = excluded.stripe_price_id,
            bulk_hourly_limit = excluded.bulk_hourly_limit, updated_at = now()`.pipe(
          Effect.tap(() => Effect.sync(() => cache.clear())),
          Effect.asVoid,
          unavailable
        ),
      entitlementOf: (teamId) =>
        Effect.suspend(() => {
          const hit = cache.get(teamId)
          if (hit !== undefined && hit.until > Date.now()) return Effect.succeed(hit.value)
          return Effect.tap(readEntitlement(teamId), (value) =>
            Effect.sync(() => {
              if (entitlementTtlMs > 0) cache.set(teamId, { until: Date.now() + entitlementTtlMs, value })
            })
          )
        }),
      billingOf,
      teamOfCustomer: (customerId) =>
        sql<{ team_id: number }>`SELECT team_id FROM team_billing WHERE customer_id = ${customerId}`.pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (r) => r.team_id as TeamId)),
          unavailable
        ),
      apply: (teamId, change) =>
        sql
          .withTransaction(
            Effect.gen(function* () {
              const r = change.record
              const kept = yield* sql<{ id: number }>`
                INSERT INTO billing_records (team_id, kind, event_id, plan_id, amount_cents, currency, detail, created_at)
                VALUES (${teamId}, ${r.kind}, ${r.eventId}, ${r.planId}, ${r.amountCents}, ${r.currency},
                        ${JSON.stringify(r.detail)}::jsonb, ${r.createdAt})
                ON CONFLICT (event_id) DO NOTHING RETURNING id`
              if (kept.length === 0) return "duplicate" as const
              yield* sql`INSERT INTO team_billing (team_id) VALUES (${teamId}) ON CONFLICT DO NOTHING`
              const current = yield* sql<{ last_event_at: Date | null }>`
                SELECT last_event_at FROM team_billing WHERE team_id = ${teamId} FOR UPDATE`
              const last = current[0]?.last_event_at ?? null
              if (change.occurredAt !== null && last !== null && last.getTime() > change.occurredAt.getTime())
                return "stale" as const
              yield* sql`
                UPDATE team_billing SET
                  plan_id = coalesce(${change.planId ?? null}, plan_id),
                  status = coalesce(${change.status ?? null}, status),
                  grace_until = CASE WHEN ${change.graceUntil !== undefined} THEN ${change.graceUntil ?? null}::timestamptz ELSE grace_until END,
                  customer_id = coalesce(${change.customerId ?? null}, customer_id),
                  subscription_id = CASE WHEN ${change.subscriptionId !== undefined} THEN ${change.subscriptionId ?? null} ELSE subscription_id END,
                  last_event_at = CASE WHEN ${change.occurredAt !== null} THEN ${change.occurredAt}::timestamptz ELSE last_event_at END,
                  updated_at = now()
                WHERE team_id = ${teamId}`
              return "applied" as const
            })
          )
          .pipe(Effect.ensuring(Effect.sync(() => cache.delete(teamId))), unavailable),
      records: (teamId) =>
        sql<{
          id: string
          team_id: number
          kind: BillingRecord["kind"]
          event_id: string | null
          plan_id: string | null
          amount_cents: string | null
          currency: string | null
          detail: Record<string, unknown>
          created_at: Date
        }>`SELECT * FROM billing_records WHERE team_id = ${teamId} ORDER BY id DESC`.pipe(
          Effect.map((rows) =>
            rows.map(
              (r): BillingRecord => ({
                id: Number(r.id),
                teamId: r.team_id as TeamId,
                kind: r.kind,
                eventId: r.event_id,
                planId: r.plan_id,
                amountCents: r.amount_cents === null ? null : Number(r.amount_cents),
                currency: r.currency,
                detail: r.detail,
                createdAt: r.created_at
              })
            )
          ),
          unavailable
        ),
      overageTeams: () =>
        sql<BillingRow>`
          SELECT b.* FROM team_billing b JOIN plans p ON p.id = b.plan_id
          WHERE b.customer_id IS NOT NULL AND p.overage_cents_per_1000 IS NOT NULL AND p.monthly_limit IS NOT NULL
          ORDER BY b.team_id`.pipe(
          Effect.map((rows) => rows.map(toBilling)),
          unavailable
        )
    })
  })

export const layer = Layer.effect(SubscriptionRepository, make(0))
export const layerCached = (ttlMs: number) => Layer.effect(SubscriptionRepository, make(ttlMs))
