import {
  type BillingEvent,
  DEFAULT_PLAN_ID,
  graceUntilAfterFailure,
  type TeamId,
  TeamId as TeamIdSchema
} from "@poststack/domain"
import { Clock, Effect, Option, Schema } from "effect"
import { AuditLog } from "../../ports/AuditLog.js"
import { BillingGateway } from "../../ports/BillingGateway.js"
import { MembershipRepository } from "../../ports/MembershipRepository.js"
import type { BillingChange } from "../../ports/SubscriptionRepository.js"
import { SubscriptionRepository } from "../../ports/SubscriptionRepository.js"
import { TeamRepository } from "../../ports/TeamRepository.js"
import { SendSystemMail } from "../accounts/SendSystemMail.js"
import { formatAmount, paymentFailedNotice } from "./billingMails.js"

const record = (
  event: BillingEvent,
  kind: BillingChange["record"]["kind"],
  detail: Record<string, unknown>
) => ({
  kind,
  eventId: event.eventId,
  planId: null,
  amountCents: null,
  currency: null,
  detail,
  createdAt: event.createdAt
})

const isTeamId = Schema.is(TeamIdSchema)

/** The team an event is about: the checkout's reference, or whoever owns the customer. */
const teamOf = (event: BillingEvent) =>
  Effect.gen(function* () {
    if (event._tag === "Ignored") return Option.none<TeamId>()
    if (event._tag === "CheckoutCompleted" && event.teamId !== null && isTeamId(event.teamId))
      return Option.some(event.teamId)
    return yield* (yield* SubscriptionRepository).teamOfCustomer(event.customerId)
  })

/** Mails the billing notice to the team's owners and admins. */
const noticeFailure = (teamId: TeamId, amountCents: number, currency: string, graceUntil: Date) =>
  Effect.gen(function* () {
    const team = yield* (yield* TeamRepository).get(teamId)
    const name = Option.match(team, { onNone: () => `team ${teamId}`, onSome: (t) => t.name })
    const members = yield* (yield* MembershipRepository).listMembers(teamId)
    for (const member of members.filter((m) => m.role === "owner" || m.role === "admin"))
      yield* SendSystemMail(
        paymentFailedNotice(member.email, name, formatAmount(amountCents, currency), graceUntil)
      )
  })

/**
 * A signed notification from the payment provider, verified over its raw bytes, applied to the
 * team's billing once: a replayed event (same id) changes nothing, and a subscription event older
 * than the last one applied is kept as a record without undoing the newer state. Returns what
 * happened, for the log and the tests.
 */
/**
 * The team's audit entry for a change the provider made (no one of the team acted: no actor). A
 * store failing here is logged: the change is applied and the provider must not retry it.
 */
const auditChange = (teamId: TeamId, event: BillingEvent, details: Record<string, string | null>) =>
  Effect.gen(function* () {
    const at = new Date(yield* Clock.currentTimeMillis)
    yield* (yield* AuditLog)
      .record({
        teamId,
        action: "billing.subscription_changed",
        actor: null,
        target:
          "subscriptionId" in event && event.subscriptionId !== null
            ? { type: "subscription", id: event.subscriptionId }
            : null,
        details: { source: "stripe", event: event.eventId, ...details },
        address: null,
        userAgent: null,
        at
      })
      .pipe(Effect.catchAll((e) => Effect.logWarning("audit entry not kept", e)))
  })

/** Applies the change, and writes the audit entry when it took effect (not for a replay or a stale event). */
const applyAudited = (
  teamId: TeamId,
  event: BillingEvent,
  change: BillingChange,
  details: Record<string, string | null>
) =>
  Effect.flatMap(SubscriptionRepository, (s) => s.apply(teamId, change)).pipe(
    Effect.tap((outcome) => (outcome === "applied" ? auditChange(teamId, event, details) : Effect.void))
  )

export const HandleBillingWebhook = Effect.fn("HandleBillingWebhook")(function* (
  rawBody: Uint8Array,
  signature: string | undefined
) {
  const event = yield* (yield* BillingGateway).parseWebhook(rawBody, signature)
  const teamId = yield* teamOf(event)
  if (Option.isNone(teamId)) {
    yield* Effect.logInfo("billing event for no known team ignored").pipe(
      Effect.annotateLogs({ event: event.eventId, type: event._tag })
    )
    return "ignored" as const
  }
  const subscriptions = yield* SubscriptionRepository
  const team = teamId.value
  switch (event._tag) {
    case "CheckoutCompleted":
      return yield* subscriptions.apply(team, {
        record: record(event, "checkout_completed", {
          customer: event.customerId,
          subscription: event.subscriptionId
        }),
        occurredAt: null,
        customerId: event.customerId,
        ...(event.subscriptionId === null ? {} : { subscriptionId: event.subscriptionId })
      })
    case "SubscriptionChanged": {
      const plan =
        event.priceId === null ? Option.none() : yield* subscriptions.findPlanByPrice(event.priceId)
      if (Option.isNone(plan))
        yield* Effect.logWarning("subscription to a price no plan carries: plan unchanged").pipe(
          Effect.annotateLogs({ price: event.priceId ?? "none" })
        )
      const current = yield* subscriptions.billingOf(team)
      const planDetail = Option.isSome(plan) ? plan.value.id : null
      return yield* applyAudited(
        team,
        event,
        {
          record: {
            ...record(event, "subscription_changed", {
              subscription: event.subscriptionId,
              status: event.status
            }),
            planId: Option.isSome(plan) ? plan.value.id : null
          },
          occurredAt: event.createdAt,
          subscriptionId: event.subscriptionId,
          status: event.status,
          ...(Option.isSome(plan) ? { planId: plan.value.id } : {}),
          ...(event.status === "active" ? { graceUntil: null } : {}),
          ...(event.status === "past_due" && current.graceUntil === null
            ? { graceUntil: graceUntilAfterFailure(null, event.createdAt) }
            : {})
        },
        { status: event.status, plan: planDetail }
      )
    }
    case "SubscriptionEnded":
      return yield* applyAudited(
        team,
        event,
        {
          record: {
            ...record(event, "subscription_ended", { subscription: event.subscriptionId }),
            planId: DEFAULT_PLAN_ID
          },
          occurredAt: event.createdAt,
          planId: DEFAULT_PLAN_ID,
          status: "canceled",
          subscriptionId: null,
          graceUntil: null
        },
        { status: "canceled", plan: DEFAULT_PLAN_ID }
      )
    case "InvoicePaid": {
      const current = yield* subscriptions.billingOf(team)
      return yield* subscriptions.apply(team, {
        record: {
          ...record(event, "invoice_paid", { invoice: event.invoiceId }),
          amountCents: event.amountCents,
          currency: event.currency
        },
        occurredAt: event.createdAt,
        ...(current.status === "past_due" ? { status: "active" as const, graceUntil: null } : {})
      })
    }
    case "PaymentFailed": {
      const current = yield* subscriptions.billingOf(team)
      const now = new Date(yield* Clock.currentTimeMillis)
      const graceUntil = graceUntilAfterFailure(current.graceUntil, now)
      const applied = yield* applyAudited(
        team,
        event,
        {
          record: {
            ...record(event, "payment_failed", {
              invoice: event.invoiceId,
              graceUntil: graceUntil.toISOString()
            }),
            amountCents: event.amountCents,
            currency: event.currency
          },
          occurredAt: event.createdAt,
          status: "past_due",
          graceUntil
        },
        { status: "past_due", graceUntil: graceUntil.toISOString() }
      )
      if (applied === "applied") yield* noticeFailure(team, event.amountCents, event.currency, graceUntil)
      return applied
    }
  }
})
