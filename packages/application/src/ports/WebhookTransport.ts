import type { WebhookAttemptOutcome } from "@poststack/domain"
import { Context, type Effect } from "effect"

/**
 * POSTs deliveries to endpoints, refusing any address that is not public (loopback only when the
 * deployment allows it), at registration and again against the address actually connected to.
 */
export class WebhookTransport extends Context.Tag("@poststack/application/WebhookTransport")<
  WebhookTransport,
  {
    /** Why this URL may not be registered, if it may not. */
    readonly vet: (url: string) => Effect.Effect<{ readonly refused: string | null }>
    /** One attempt: no redirects followed, bounded in time, the answer's body cut short. */
    readonly post: (request: {
      readonly url: string
      readonly body: string
      readonly headers: Readonly<Record<string, string>>
    }) => Effect.Effect<WebhookAttemptOutcome>
  }
>() {}
