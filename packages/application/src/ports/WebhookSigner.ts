import { Context, type Effect, type Redacted } from "effect"

/** Makes endpoint secrets and signs deliveries with them. */
export class WebhookSigner extends Context.Tag("@poststack/application/WebhookSigner")<
  WebhookSigner,
  {
    /** A new `whsec_` secret (256 random bits). */
    readonly newSecret: Effect.Effect<Redacted.Redacted<string>>
    /**
     * The signature headers of one delivery (`X-PostStack-Signature`, `webhook-id`,
     * `webhook-timestamp`, `webhook-signature`), one signature per secret, newest first.
     */
    readonly sign: (request: {
      readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
      readonly eventId: string
      readonly timestamp: Date
      readonly body: string
    }) => Effect.Effect<Readonly<Record<string, string>>>
  }
>() {}
