import {
  BillingNotConfigured,
  PermissionDenied,
  type PlanId,
  PlanNotFound,
  PlanNotPurchasable,
  type Principal,
  roleAllows,
  type TeamId
} from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { BillingGateway } from "../../ports/BillingGateway.js"
import { SubscriptionRepository } from "../../ports/SubscriptionRepository.js"
import { SystemMailSettings } from "../../ports/SystemMailSettings.js"
import { TeamRepository } from "../../ports/TeamRepository.js"
import { recordAudit } from "../audit/RecordAudit.js"
import { authorize } from "../Principal.js"

/** Who may spend the team's money: a full-access key, an owner or an admin. */
const mayManage = (principal: Principal) =>
  Effect.gen(function* () {
    const scope = yield* authorize(principal, "billing")
    if (principal._tag === "Person" && !roleAllows(principal.role, "manage_billing"))
      return yield* new PermissionDenied({ message: "Only owners and admins can manage billing" })
    return scope.teamId
  })

/** The team's provider customer, created on first need and kept. */
const customerOf = (teamId: TeamId) =>
  Effect.gen(function* () {
    const subscriptions = yield* SubscriptionRepository
    const billing = yield* subscriptions.billingOf(teamId)
    if (billing.customerId !== null) return billing.customerId
    const team = yield* (yield* TeamRepository).get(teamId)
    const customerId = yield* (yield* BillingGateway).createCustomer(
      teamId,
      Option.match(team, { onNone: () => `team ${teamId}`, onSome: (t) => t.name })
    )
    const now = new Date(yield* Clock.currentTimeMillis)
    yield* subscriptions.apply(teamId, {
      record: {
        kind: "checkout_completed",
        eventId: null,
        planId: null,
        amountCents: null,
        currency: null,
        detail: { customer: customerId, created: true },
        createdAt: now
      },
      occurredAt: null,
      customerId
    })
    return customerId
  })

/** Where the provider's pages send the person back: the dashboard's billing page. */
const billingPage = Effect.map(SystemMailSettings, (s) => `${s.publicUrl.replace(/\/+$/, "")}/app/billing`)

/** A hosted checkout page for subscribing the team to a plan sold through the provider. */
export const StartCheckout = Effect.fn("StartCheckout")(function* (principal: Principal, planId: PlanId) {
  const teamId = yield* mayManage(principal)
  const gateway = yield* BillingGateway
  if (!gateway.configured) return yield* new BillingNotConfigured()
  const plan = yield* (yield* SubscriptionRepository).findPlan(planId)
  if (Option.isNone(plan)) return yield* new PlanNotFound({ planId })
  if (plan.value.stripePriceId === null) return yield* new PlanNotPurchasable({ planId })
  const customerId = yield* customerOf(teamId)
  const returnUrl = yield* billingPage
  const url = yield* gateway.checkoutUrl({ teamId, customerId, priceId: plan.value.stripePriceId, returnUrl })
  yield* recordAudit(principal, "billing.checkout_started", { type: "plan", id: planId })
  return url
})

/** The provider's portal for the team's cards and invoices. */
export const OpenBillingPortal = Effect.fn("OpenBillingPortal")(function* (principal: Principal) {
  const teamId = yield* mayManage(principal)
  const gateway = yield* BillingGateway
  if (!gateway.configured) return yield* new BillingNotConfigured()
  const customerId = yield* customerOf(teamId)
  return yield* gateway.portalUrl(customerId, yield* billingPage)
})
