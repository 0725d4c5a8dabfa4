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
   * The sending domain's `tls_mode` is `enforced`: the message goes over an encrypted session or
   * not at all (no plaintext fallback; a receiver without STARTTLS, or a failed handshake, defers
   * it). The certificate is not verified, as with opportunistic TLS.
   */
  readonly requireTls: boolean
  /**
   * No exchange may start after this (the claim's lease must outlast it): waiting for a busy
   * destination past it ends in a `Busy` outcome instead.
   */
  readonly startBy: Date
  /**
   * Bulk (marketing) mail: waits for a connection to a busy destination after transactional
   * mail. Left out: transactional.
   */
  readonly bulk?: boolean
}

/**
 * Hands a message to the next MTA over SMTP, with opportunistic STARTTLS (required when the
 * handover says so) and connections reused per destination. Every result is an outcome; a
 * connection that cannot be made is a deferral.
 */
export class MailTransport extends Context.Tag("@poststack/application/MailTransport")<
  MailTransport,
  {
    /** Whether a smart host takes all mail (then MX lookups are skipped). */
    readonly relay: boolean
    /**
     * Whether MX hosts at loopback, private, link-local and similar addresses may be reached
     * (tests, a relay inside a private network). Off, mail to them fails before any connection.
     */
    readonly allowPrivateMx: boolean
    readonly deliver: (handover: Handover) => Effect.Effect<DeliveryOutcome>
  }
>() {}
