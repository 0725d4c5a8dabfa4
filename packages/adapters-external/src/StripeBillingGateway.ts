import { BillingGateway } from "@poststack/application"
import {
  type BillingEvent,
  BillingNotConfigured,
  BillingProviderUnavailable,
  BillingWebhookInvalid,
  billingStatusOf,
  findTextProblem,
  TeamId
} from "@poststack/domain"
import { Clock, Config, Effect, Layer, Option, Redacted, Schema } from "effect"
import Stripe from "stripe"

export interface StripeOptions {
  readonly secretKey: Redacted.Redacted<string>
  readonly webhookSecret: Redacted.Redacted<string>
  /** `https://api.stripe.com` (tests: a local fake speaking its wire format). */
  readonly apiUrl: string
  /** The billing meter overage is reported to (its `event_name`). */
  readonly overageMeter: string
  readonly timeoutMs: number
}

/** Seconds a signature stays valid: an event signed longer ago is a replay and refused. */
const TOLERANCE_SECONDS = 300

const unreachable = (cause: unknown) =>
  Effect.zipRight(
    Effect.logWarning("Stripe call failed").pipe(
      Effect.annotateLogs("reason", cause instanceof Error ? cause.message : String(cause))
    ),
    Effect.fail(new BillingProviderUnavailable())
  )

/** An id as Stripe writes it: a string, or an expanded object carrying one. Anything else is none. */
const idOf = (value: unknown): string | null =>
  typeof value === "string"
    ? value
    : typeof value === "object" && value !== null && "id" in value && typeof value.id === "string"
      ? value.id
      : null

/**
 * The envelope of a Stripe event. The signature proves who sent the bytes, not what they hold:
 * a body that is not an event (no `data.object`, no `created`, an object where text belongs) is
 * refused here rather than failing later as a 500 or at the database.
 */
const StripeEnvelope = Schema.Struct({
  id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  type: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  created: Schema.Int.pipe(Schema.between(0, 253_402_300_799)),
  data: Schema.Struct({ object: Schema.Record({ key: Schema.String, value: Schema.Unknown }) })
})
const isEnvelope = Schema.is(StripeEnvelope)

/** Why a verified body is not an event we can read, or undefined. */
const envelopeProblem = (event: unknown): string | undefined => {
  if (!isEnvelope(event)) return "The signed body is not a Stripe event"
  const object = event.data.object
  for (const field of ["id", "status", "client_reference_id", "currency"]) {
    const value = object[field]
    if (value !== undefined && value !== null && typeof value !== "string") {
      return `The Stripe event's data.object.${field} must be text`
    }
  }
  for (const field of ["customer", "subscription"]) {
    const value = object[field]
    if (value !== undefined && value !== null && idOf(value) === null) {
      return `The Stripe event's data.object.${field} must be an id or an object with one`
    }
  }
  const text = findTextProblem(event)
  return text === undefined ? undefined : `The Stripe event's ${text.path} ${text.problem}`
}

const numberOf = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0)

const isTeamId = Schema.is(TeamId)

/** A verified Stripe event in our terms; the types we do not act on are `Ignored`. */
const toBillingEvent = (event: Stripe.Event): BillingEvent => {
  const base = { eventId: event.id, createdAt: new Date(event.created * 1000) }
  const object = event.data.object as unknown as Record<string, unknown>
  const customerId = idOf(object.customer)
  switch (event.type) {
    case "checkout.session.completed": {
      const reference =
        typeof object.client_reference_id === "string" ? Number(object.client_reference_id) : Number.NaN
      if (customerId === null) break
      return {
        _tag: "CheckoutCompleted",
        ...base,
        teamId: isTeamId(reference) ? reference : null,
        customerId,
        subscriptionId: idOf(object.subscription)
      }
    }
    case "customer.subscription.created":
    case "customer.subscription.updated": {
      const items = (object.items as { data?: ReadonlyArray<{ price?: unknown }> } | undefined)?.data ?? []
      const subscriptionId = idOf(object.id)
      if (customerId === null || subscriptionId === null) break
      return {
        _tag: "SubscriptionChanged",
        ...base,
        customerId,
        subscriptionId,
        priceId: idOf(items[0]?.price),
        status: billingStatusOf(typeof object.status === "string" ? object.status : "")
      }
    }
    case "customer.subscription.deleted": {
      const subscriptionId = idOf(object.id)
      if (customerId === null || subscriptionId === null) break
      return { _tag: "SubscriptionEnded", ...base, customerId, subscriptionId }
    }
    case "invoice.paid":
    case "invoice.payment_failed": {
      const invoiceId = idOf(object.id)
      if (customerId === null || invoiceId === null) break
      return {
        _tag: event.type === "invoice.paid" ? "InvoicePaid" : "PaymentFailed",
        ...base,
        customerId,
        invoiceId,
        amountCents: numberOf(event.type === "invoice.paid" ? object.amount_paid : object.amount_due),
        currency: typeof object.currency === "string" ? object.currency : "usd"
      }
    }
  }
  return { _tag: "Ignored", ...base, type: event.type }
}

/**
 * Stripe through its Node SDK. The SDK is pointed at `apiUrl` with its `host`/`port`/`protocol`
 * options; webhooks are verified with `stripe.webhooks.constructEvent` over the raw bytes, against
 * the effect clock (so a replayed old signature is refused like a forged one).
 */
export const make = (options: StripeOptions) => {
  const url = new URL(options.apiUrl)
  const stripe = new Stripe(Redacted.value(options.secretKey), {
    host: url.hostname,
    port: url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port),
    protocol: url.protocol === "http:" ? "http" : "https",
    timeout: options.timeoutMs,
    maxNetworkRetries: 2,
    telemetry: false
  })
  const call = <A>(run: () => Promise<A>) =>
    Effect.tryPromise({ try: run, catch: (e) => e }).pipe(Effect.catchAll(unreachable))
  return BillingGateway.of({
    configured: true,
    createCustomer: (teamId, teamName) =>
      call(() =>
        stripe.customers.create(
          { name: teamName, metadata: { poststack_team_id: String(teamId) } },
          { idempotencyKey: `customer-team-${teamId}` }
        )
      ).pipe(Effect.map((customer) => customer.id)),
    checkoutUrl: ({ teamId, customerId, priceId, returnUrl }) =>
      call(() =>
        stripe.checkout.sessions.create({
          mode: "subscription",
          customer: customerId,
          client_reference_id: String(teamId),
          line_items: [{ price: priceId, quantity: 1 }],
          success_url: `${returnUrl}?checkout=done`,
          cancel_url: `${returnUrl}?checkout=cancelled`
        })
      ).pipe(
        Effect.flatMap((session) =>
          session.url === null ? unreachable("checkout session without a url") : Effect.succeed(session.url)
        )
      ),
    portalUrl: (customerId, returnUrl) =>
      call(() => stripe.billingPortal.sessions.create({ customer: customerId, return_url: returnUrl })).pipe(
        Effect.map((session) => session.url)
      ),
    reportOverage: ({ customerId, quantity, reportId, at }) =>
      call(() =>
        stripe.billing.meterEvents.create(
          {
            event_name: options.overageMeter,
            identifier: reportId,
            timestamp: Math.floor(at.getTime() / 1000),
            payload: { stripe_customer_id: customerId, value: String(quantity) }
          },
          { idempotencyKey: reportId }
        )
      ).pipe(Effect.asVoid),
    parseWebhook: (rawBody, signature) =>
      Effect.gen(function* () {
        if (signature === undefined || signature === "") return yield* new BillingWebhookInvalid()
        const now = yield* Clock.currentTimeMillis
        const event = yield* Effect.try({
          try: () =>
            stripe.webhooks.constructEvent(
              Buffer.from(rawBody),
              signature,
              Redacted.value(options.webhookSecret),
              TOLERANCE_SECONDS,
              undefined,
              now
            ),
          // The signature is checked first: a SyntaxError means a signed body that is not JSON.
          catch: (error) =>
            error instanceof SyntaxError
              ? new BillingWebhookInvalid({ reason: "the signed body is not JSON" })
              : new BillingWebhookInvalid()
        })
        // Stripe's check bounds a signature's age only; one dated ahead of the clock would stay
        // good until its time came, so it is refused too.
        const signedAt = Number(/(?:^|,)t=(\d{1,12})(?:,|$)/.exec(signature)?.[1])
        if (signedAt * 1000 > now + TOLERANCE_SECONDS * 1000)
          return yield* new BillingWebhookInvalid({ reason: "the signature is dated in the future" })
        const problem = envelopeProblem(event)
        if (problem !== undefined) return yield* new BillingWebhookInvalid({ reason: problem })
        return toBillingEvent(event)
      })
  })
}

export const layer = (options: StripeOptions) => Layer.succeed(BillingGateway, make(options))

const notConfigured = Effect.fail(new BillingNotConfigured())

/** No Stripe account: nothing about billing gets in the way, and its routes say so. */
export const layerNotConfigured = Layer.succeed(
  BillingGateway,
  BillingGateway.of({
    configured: false,
    createCustomer: () => notConfigured,
    checkoutUrl: () => notConfigured,
    portalUrl: () => notConfigured,
    reportOverage: () => notConfigured,
    parseWebhook: () => notConfigured
  })
)

/**
 * `POSTSTACK_STRIPE_SECRET_KEY` and `POSTSTACK_STRIPE_WEBHOOK_SECRET` turn billing on;
 * `POSTSTACK_STRIPE_API_URL` points the SDK elsewhere (a test double), and
 * `POSTSTACK_STRIPE_OVERAGE_METER` names the meter overage is reported to.
 */
export const layerConfig = Layer.unwrapEffect(
  Config.all({
    secretKey: Config.option(Config.redacted("POSTSTACK_STRIPE_SECRET_KEY")),
    webhookSecret: Config.option(Config.redacted("POSTSTACK_STRIPE_WEBHOOK_SECRET")),
    apiUrl: Config.string("POSTSTACK_STRIPE_API_URL").pipe(Config.withDefault("https://api.stripe.com")),
    overageMeter: Config.string("POSTSTACK_STRIPE_OVERAGE_METER").pipe(
      Config.withDefault("poststack_overage_emails")
    )
  }).pipe(
    Config.map(({ secretKey, webhookSecret, apiUrl, overageMeter }) =>
      Option.isSome(secretKey) && Option.isSome(webhookSecret)
        ? layer({
            secretKey: secretKey.value,
            webhookSecret: webhookSecret.value,
            apiUrl,
            overageMeter,
            timeoutMs: 15_000
          })
        : layerNotConfigured
    )
  )
)
