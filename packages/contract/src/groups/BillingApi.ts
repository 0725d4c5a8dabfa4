import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { PlanId } from "@poststack/domain"
import { Schema } from "effect"
import {
  BillingNotConfiguredJson,
  BillingUnavailableJson,
  BillingWebhookInvalidJson,
  ForbiddenJson,
  NotFoundJson,
  UnavailableJson,
  UnprocessableJson
} from "../errors.js"
import { FullAccess } from "../middleware/Authentication.js"
import { DecimalParam } from "./params.js"

/** A plan as the team sees it (GAP: no upstream shape; ours). */
export class PlanView extends Schema.Class<PlanView>("Plan")({
  id: Schema.String,
  name: Schema.String,
  monthlyLimit: Schema.NullOr(Schema.Int),
  dailyLimit: Schema.NullOr(Schema.Int),
  retentionDays: Schema.Int,
  overageCentsPer1000: Schema.NullOr(Schema.Int),
  purchasable: Schema.Boolean
}) {}

const Counts = Schema.Struct({
  accepted: Schema.Int,
  sent: Schema.Int,
  delivered: Schema.Int,
  bounced: Schema.Int
})

/** One day of usage; test-mode sends apart, never billed. */
export const UsageDayView = Schema.Struct({
  day: Schema.String,
  accepted: Schema.Int,
  sent: Schema.Int,
  delivered: Schema.Int,
  bounced: Schema.Int,
  test: Counts
})

/** The team's usage against its plan (GAP route). */
export class UsageView extends Schema.Class<UsageView>("Usage")({
  plan: PlanView,
  status: Schema.Literal("none", "active", "past_due", "canceled"),
  graceUntil: Schema.NullOr(Schema.Date),
  suspended: Schema.Boolean,
  billingEnabled: Schema.Boolean,
  hasCustomer: Schema.Boolean,
  period: Schema.Struct({ start: Schema.Date, end: Schema.Date }),
  today: Schema.Int,
  month: Schema.Int,
  overage: Schema.Int,
  days: Schema.Array(UsageDayView)
}) {}

const RedirectUrl = Schema.Struct({ url: Schema.String })

/** `/billing`: the plan, usage against it, and the provider's pages (GAP routes, ours). */
export class BillingApi extends HttpApiGroup.make("billing")
  .add(
    HttpApiEndpoint.get("usage", "/billing/usage")
      .setUrlParams(
        Schema.Struct({
          days: Schema.optional(DecimalParam(1, 92, "a number of days from 1 to 92"))
        })
      )
      .addSuccess(UsageView)
      .annotate(
        OpenApi.Description,
        "The team's plan and its usage: this month, today, and per day (default 30 days)."
      )
  )
  .add(
    HttpApiEndpoint.get("plans", "/billing/plans").addSuccess(Schema.Struct({ data: Schema.Array(PlanView) }))
  )
  .add(
    HttpApiEndpoint.post("checkout", "/billing/checkout")
      .setPayload(Schema.Struct({ plan: PlanId }))
      .addSuccess(RedirectUrl)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
      .annotate(OpenApi.Description, "A Stripe Checkout page subscribing the team to a plan; open its url.")
  )
  .add(
    HttpApiEndpoint.post("portal", "/billing/portal")
      .addSuccess(RedirectUrl)
      .annotate(
        OpenApi.Description,
        "The Stripe Billing Portal for the team's cards and invoices; open its url."
      )
  )
  .addError(ForbiddenJson)
  .addError(BillingNotConfiguredJson)
  .addError(BillingUnavailableJson)
  .addError(UnavailableJson)
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Billing") {}

/** Stripe's notifications: no key, the signature over the raw body is the authentication. */
export class BillingWebhookApi extends HttpApiGroup.make("billingWebhook")
  .add(
    HttpApiEndpoint.post("stripe", "/billing/stripe/webhook")
      .addSuccess(Schema.Struct({ received: Schema.Literal(true) }))
      .addError(BillingWebhookInvalidJson)
      .addError(BillingNotConfiguredJson)
      .addError(UnavailableJson)
      .annotate(OpenApi.Description, "Stripe webhook endpoint, verified with the Stripe-Signature header.")
  )
  .annotate(OpenApi.Title, "Billing webhooks") {}
