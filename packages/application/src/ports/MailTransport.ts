import type { DeliveryOutcome } from "@poststack/domain"
import { Context, type Effect } from "effect"

/** A destination host and the addresses DNS gave for it. */
export interface MailHost {
  readonly name: string
  readonly addresses: ReadonlyArray<string>
}

export interface Handover {
  /** Hosts to try in order (MX hosts by preference); ignored when a relay takes all mail. */
  readonly hosts: ReadonlyArray<MailHost>
  readonly envelopeFrom: string
  readonly recipient: string
  readonly message: Uint8Array
  /** Send from this local address (a domain's dedicated IP); `null` lets the system choose. */
  readonly localAddress: string | null
  /**
   * No exchange may start after this (the claim's lease must outlast it): waiting for a busy
   * destination past it ends in a `Busy` outcome instead.
   */
  readonly startBy: Date
}

/**
 * Hands a message to the next MTA over SMTP, with opportunistic STARTTLS and connections reused
 * per destination. Every result is an outcome; a connection that cannot be made is a deferral.
 */
export class MailTransport extends Context.Tag("@poststack/application/MailTransport")<
  MailTransport,
  {
    /** Whether a smart host takes all mail (then MX lookups are skipped). */
    readonly relay: boolean
    readonly deliver: (handover: Handover) => Effect.Effect<DeliveryOutcome>
  }
>() {}
