import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import {
  BillingGateway,
  GetUsage,
  HandleBillingWebhook,
  ListPlansFor,
  OpenBillingPortal,
  StartCheckout
} from "@poststack/application"
import type { Plan } from "@poststack/domain"
import { Effect } from "effect"
import { Api, CurrentPrincipal, PlanView, UsageView } from "@poststack/contract"

const toPlanView = (plan: Plan) =>
  PlanView.make({
    id: plan.id,
    name: plan.name,
    monthlyLimit: plan.monthlyLimit,
    dailyLimit: plan.dailyLimit,
    retentionDays: plan.retentionDays,
    overageCentsPer1000: plan.overageCentsPer1000,
    purchasable: plan.stripePriceId !== null
  })

export const BillingLive = HttpApiBuilder.group(Api, "billing", (handlers) =>
  handlers
    .handle("usage", ({ urlParams }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        const usage = yield* GetUsage(principal, urlParams.days ?? 30)
        const gateway = yield* BillingGateway
        return UsageView.make({
          plan: toPlanView(usage.plan),
          status: usage.status,
          graceUntil: usage.graceUntil,
          suspended: usage.suspended,
          billingEnabled: gateway.configured,
          hasCustomer: usage.customer,
          period: { start: usage.period.start, end: usage.period.end },
          today: usage.today,
          month: usage.month,
          overage: usage.overage,
          days: usage.days
        })
      })
    )
    .handle("plans", () =>
      Effect.gen(function* () {
        const plans = yield* ListPlansFor(yield* CurrentPrincipal)
        return { data: plans.map(toPlanView) }
      })
    )
    .handle("checkout", ({ payload }) =>
      Effect.gen(function* () {
        return { url: yield* StartCheckout(yield* CurrentPrincipal, payload.plan) }
      })
    )
    .handle("portal", () =>
      Effect.gen(function* () {
        return { url: yield* OpenBillingPortal(yield* CurrentPrincipal) }
      })
    )
)

/** Stripe's webhook: the raw bytes as they arrived, for the signature. */
export const BillingWebhookLive = HttpApiBuilder.group(Api, "billingWebhook", (handlers) =>
  handlers.handle("stripe", () =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const body = yield* request.arrayBuffer.pipe(Effect.orElseSucceed(() => new ArrayBuffer(0)))
      const outcome = yield* HandleBillingWebhook(new Uint8Array(body), request.headers["stripe-signature"])
      yield* Effect.logInfo("billing webhook").pipe(Effect.annotateLogs("outcome", outcome))
      return { received: true as const }
    })
  )
)
