import { Schema } from "effect"

/** The team's plan allows no more emails this month (and bills no overage). */
export class MonthlyLimitExceeded extends Schema.TaggedError<MonthlyLimitExceeded>()("MonthlyLimitExceeded", {
  message: Schema.String
}) {}

/** The team's plan allows no more emails today (UTC). */
export class DailyLimitExceeded extends Schema.TaggedError<DailyLimitExceeded>()("DailyLimitExceeded", {
  message: Schema.String
}) {}

/** A payment failed and its grace period has ended: sending is held until the team pays. */
export class SendLimitExceeded extends Schema.TaggedError<SendLimitExceeded>()("SendLimitExceeded", {
  message: Schema.String
}) {}

/** No plan of that id. */
export class PlanNotFound extends Schema.TaggedError<PlanNotFound>()("PlanNotFound", {
  planId: Schema.String
}) {
  override get message() {
    return `Plan not found: ${this.planId}`
  }
}

/** The plan exists but is not sold through Stripe (it has no price), so no checkout can be opened for it. */
export class PlanNotPurchasable extends Schema.TaggedError<PlanNotPurchasable>()("PlanNotPurchasable", {
  planId: Schema.String
}) {
  override get message() {
    return `Plan ${this.planId} has no Stripe price and cannot be bought`
  }
}

/** No Stripe account is configured on this server (a self-hosted install without billing). */
export class BillingNotConfigured extends Schema.TaggedError<BillingNotConfigured>()(
  "BillingNotConfigured",
  {}
) {
  override get message() {
    return "Billing is not configured on this server"
  }
}

/** Stripe could not be reached or refused the call. */
export class BillingProviderUnavailable extends Schema.TaggedError<BillingProviderUnavailable>()(
  "BillingProviderUnavailable",
  {}
) {
  override get message() {
    return "The billing provider is unavailable; try again later"
  }
}

/**
 * A webhook whose signature does not verify (forged, altered, or signed too long ago), or a signed
 * body that is not an event in the provider's format (`reason` says what is wrong with it).
 */
export class BillingWebhookInvalid extends Schema.TaggedError<BillingWebhookInvalid>()(
  "BillingWebhookInvalid",
  { reason: Schema.optional(Schema.String) }
) {
  override get message() {
    return this.reason ?? "Invalid Stripe signature"
  }
}
